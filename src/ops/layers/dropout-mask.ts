/**
 * Dropout masks from a counter-based generator: whether a unit is kept is
 * a hash of (seed, epoch, step, layer, unit), so any backend and any
 * thread computes the same mask for the same unit without sharing a
 * stream. native/kernels/dropout.h computes the same bits.
 */

/** lowbias32 (C. Wellons): a 32-bit integer hash with low bias. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where a batch's masks come from. */
export interface MaskKey {
  /** Integer in [0, 2^53). */
  seed: number;
  /** 1-based epoch. */
  epoch: number;
  /**
   * Updates the optimizer had applied before this batch: it runs on across
   * epochs and across fit calls, so a second fit draws new masks.
   */
  step: number;
}

/** The key of one dropout layer's masks in one batch. */
export function layerKey(key: MaskKey, layer: number): number {
  const low = key.seed >>> 0;
  const high = Math.floor(key.seed / 4294967296) >>> 0;
  return mix32(low ^ mix32(high ^ mix32(key.epoch ^ mix32(key.step ^ mix32(layer)))));
}

/** The 32 random bits of unit u (row within the batch x width + column). */
export function unitBits(layerKeyValue: number, unit: number): number {
  return mix32((layerKeyValue + Math.imul(unit, 0x9e3779b9)) >>> 0);
}

/** A unit is dropped when its bits fall below floor(rate * 2^32). */
export function dropThreshold(rate: number): number {
  return Math.floor(rate * 4294967296);
}

/** Survivors are scaled by 1 / (1 - rate) (inverted dropout), rounded to float32 as the kernels use it. */
export function keepScale(rate: number): number {
  return Math.fround(1 / (1 - rate));
}
