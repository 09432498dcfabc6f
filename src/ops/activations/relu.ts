import type { ElementwiseActivation } from '../types.js';

export const relu = {
  name: 'relu',
  rowwise: false,
  hidden: true,
  output: false,
  gain2: 2,
  init: 'he',
  derivative: 'output',
  forward: (z: number) => (z < 0 ? 0 : z),
  grad: (_z: number, a: number) => (a > 0 ? 1 : 0),
} as const satisfies ElementwiseActivation;
