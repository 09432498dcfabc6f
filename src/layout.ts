import type { InitName } from './spec.js';
import { Rng } from './rng.js';

/**
 * One dense layer's place in the contiguous parameter buffer. Weights are
 * stored row-major as (inputs, outputs) so a forward pass is y = x W + b
 * with x of shape (batch, inputs); the bias follows its weights.
 */
export interface LayerSlot {
  readonly inputs: number;
  readonly outputs: number;
  readonly weightOffset: number;
  readonly biasOffset: number;
}

/** Where every layer lives in the one parameter buffer. */
export interface ParameterLayout {
  readonly sizes: readonly number[];
  readonly layers: readonly LayerSlot[];
  /** Total parameter count (the length of the buffer). */
  readonly size: number;
}

export function parameterLayout(sizes: readonly number[]): ParameterLayout {
  const layers: LayerSlot[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l];
    const outputs = sizes[l + 1];
    const weightOffset = offset;
    const biasOffset = weightOffset + inputs * outputs;
    offset = biasOffset + outputs;
    layers.push({ inputs, outputs, weightOffset, biasOffset });
  }
  return { sizes: [...sizes], layers, size: offset };
}

/** The weights of one layer as a view into the buffer (no copy). */
export function weightsOf<T extends Float32Array | Float64Array>(params: T, slot: LayerSlot): T {
  return params.subarray(slot.weightOffset, slot.biasOffset) as T;
}

/** The biases of one layer as a view into the buffer (no copy). */
export function biasesOf<T extends Float32Array | Float64Array>(params: T, slot: LayerSlot): T {
  return params.subarray(slot.biasOffset, slot.biasOffset + slot.outputs) as T;
}

/**
 * Fills the buffer with initial weights; biases start at zero.
 * - he: normal with std sqrt(2 / fan_in), for ReLU-like units.
 * - glorot: uniform in +-sqrt(6 / (fan_in + fan_out)), for tanh / sigmoid.
 * - uniform: [0, 1), all positive. A classic mistake, kept on purpose so it
 *   can be reproduced and diagnosed.
 */
export function initializeParameters(
  params: Float32Array | Float64Array,
  layout: ParameterLayout,
  init: InitName,
  seed: number,
): void {
  const rng = new Rng(seed);
  params.fill(0);
  for (const slot of layout.layers) {
    const weights = weightsOf(params, slot);
    if (init === 'he') {
      const std = Math.sqrt(2 / slot.inputs);
      for (let i = 0; i < weights.length; i++) weights[i] = rng.normal() * std;
    } else if (init === 'glorot') {
      const limit = Math.sqrt(6 / (slot.inputs + slot.outputs));
      for (let i = 0; i < weights.length; i++) weights[i] = (rng.uniform() * 2 - 1) * limit;
    } else {
      for (let i = 0; i < weights.length; i++) weights[i] = rng.uniform();
    }
  }
}
