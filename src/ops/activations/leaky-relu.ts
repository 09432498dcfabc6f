import type { ElementwiseActivation } from '../types.js';

/** Slope for negative inputs (native/kernels/activations.h has the same). */
export const LEAKY_RELU_SLOPE = 0.01;

export const leakyRelu = {
  name: 'leaky-relu',
  rowwise: false,
  hidden: true,
  output: false,
  // He et al.'s factor, as for ReLU (1 / E[f(z)^2] is 1.9998 at this slope).
  gain2: 2,
  init: 'he',
  derivative: 'output',
  forward: (z: number) => (z < 0 ? z * LEAKY_RELU_SLOPE : z),
  // The slope keeps the sign of z, so a > 0 tells the branch.
  grad: (_z: number, a: number) => (a > 0 ? 1 : LEAKY_RELU_SLOPE),
} as const satisfies ElementwiseActivation;
