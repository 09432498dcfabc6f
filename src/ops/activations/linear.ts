import type { ElementwiseActivation } from '../types.js';

export const linear = {
  name: 'linear',
  rowwise: false,
  hidden: true,
  output: true,
  gain2: 1,
  init: 'glorot',
  derivative: 'output',
  defaultLoss: 'mse',
  forward: (z: number) => z,
  grad: () => 1,
} as const satisfies ElementwiseActivation;
