import type { ElementwiseActivation } from '../types.js';

export const tanh = {
  name: 'tanh',
  rowwise: false,
  hidden: true,
  output: true,
  gain2: 2.5362,
  init: 'glorot',
  derivative: 'output',
  defaultLoss: 'mse',
  forward: (z: number) => Math.tanh(z),
  grad: (_z: number, a: number) => 1 - a * a,
} as const satisfies ElementwiseActivation;
