import type { ElementwiseActivation } from '../types.js';

/** sqrt(2 / pi). */
const K = 0.7978845608028654;
const C = 0.044715;

/** GELU, the tanh approximation (PyTorch's approximate='tanh'). */
export const gelu = {
  name: 'gelu',
  rowwise: false,
  hidden: true,
  output: false,
  gain2: 2.3519,
  init: 'he',
  derivative: 'input',
  forward: (z: number) => 0.5 * z * (1 + Math.tanh(K * (z + C * z * z * z))),
  grad(z: number): number {
    const t = Math.tanh(K * (z + C * z * z * z));
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * K * (1 + 3 * C * z * z);
  },
} as const satisfies ElementwiseActivation;
