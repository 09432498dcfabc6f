import type { ElementwiseActivation } from '../types.js';
import { logistic } from './sigmoid.js';

/** SiLU (swish): z sigmoid(z). */
export const silu = {
  name: 'silu',
  rowwise: false,
  hidden: true,
  output: false,
  gain2: 2.8108,
  init: 'he',
  derivative: 'input',
  forward: (z: number) => z * logistic(z),
  grad(z: number): number {
    const s = logistic(z);
    return s * (1 + z * (1 - s));
  },
} as const satisfies ElementwiseActivation;
