/**
 * Input preprocessing, fit on the training rows only and kept by the
 * network so that evaluate, predict and exports see inputs as training
 * did: a per-feature affine map x' = (x - shift) * scale, in float32.
 * - minmax: shift = the training minimum, scale = 1 / (max - min), so the
 *   training range maps to [0, 1];
 * - standardize: shift = the training mean, scale = 1 / the standard deviation.
 * A constant feature gets scale 1 (it maps to 0 and stays there).
 */
import { describe } from '../validate.js';

export const PREPROCESSINGS = ['none', 'minmax', 'standardize'] as const;
export type PreprocessingName = (typeof PREPROCESSINGS)[number];

/** A fitted preprocessing: plain data (JSON keeps it whole), float32 values. */
export interface Preprocessing {
  kind: Exclude<PreprocessingName, 'none'>;
  shift: number[];
  scale: number[];
}

/** Fits a preprocessing on rows of x (n x features; bytes stand for byte x xScale). */
export function fitPreprocessing(
  kind: PreprocessingName,
  x: Float32Array | Uint8Array,
  xScale: number,
  n: number,
  features: number,
): Preprocessing | null {
  if (kind === 'none') return null;
  const shift = new Array<number>(features);
  const scale = new Array<number>(features);
  for (let j = 0; j < features; j++) {
    if (kind === 'minmax') {
      let min = Infinity;
      let max = -Infinity;
      for (let r = 0; r < n; r++) {
        const v = x[r * features + j] * xScale;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      shift[j] = Math.fround(min);
      scale[j] = Math.fround(max > min ? 1 / (max - min) : 1);
    } else {
      // Two passes in float64: the mean, then the spread around it.
      let sum = 0;
      for (let r = 0; r < n; r++) sum += x[r * features + j] * xScale;
      const mean = sum / n;
      let squares = 0;
      for (let r = 0; r < n; r++) {
        const d = x[r * features + j] * xScale - mean;
        squares += d * d;
      }
      const std = Math.sqrt(squares / n);
      shift[j] = Math.fround(mean);
      scale[j] = Math.fround(std > 0 ? 1 / std : 1);
    }
  }
  return { kind, shift, scale };
}

/**
 * Rows [start, start + count) of x as preprocessed floats, into out (count
 * x features). Without a preprocessing, bytes are widened and floats copied.
 */
export function preprocessRows(
  p: Preprocessing | null,
  x: Float32Array | Uint8Array,
  xScale: number,
  features: number,
  start: number,
  count: number,
  out: Float32Array,
): Float32Array {
  const from = start * features;
  const length = count * features;
  for (let i = 0; i < length; i++) {
    const v = Math.fround(x[from + i] * xScale);
    out[i] = p === null ? v : Math.fround(Math.fround(v - p.shift[i % features]) * p.scale[i % features]);
  }
  return out.subarray(0, length);
}

/** Checks a stored preprocessing (a model file's) against the network's inputs. */
export function checkPreprocessing(name: string, value: unknown, features: number): Preprocessing | null {
  if (value === null || value === undefined) return null;
  const p = value as Partial<Preprocessing>;
  if (typeof p !== 'object' || (p.kind !== 'minmax' && p.kind !== 'standardize')) {
    throw new TypeError(`${name}.kind must be "minmax" or "standardize", received ${describe(p?.kind)}`);
  }
  for (const field of ['shift', 'scale'] as const) {
    const values = p[field];
    if (!Array.isArray(values) || values.length !== features || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new RangeError(`${name}.${field} must be ${features} finite numbers (one per input), received ${describe(values)}`);
    }
  }
  return { kind: p.kind, shift: [...p.shift!], scale: [...p.scale!] };
}
