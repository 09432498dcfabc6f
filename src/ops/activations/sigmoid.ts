import type { ElementwiseActivation } from '../types.js';

/** The logistic function, split by sign so exp never overflows. */
export function logistic(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export const sigmoid = {
  name: 'sigmoid',
  rowwise: false,
  hidden: true,
  output: true,
  gain2: 3.4086,
  init: 'glorot',
  derivative: 'output',
  defaultLoss: 'binary-cross-entropy',
  forward: logistic,
  grad: (_z: number, a: number) => a * (1 - a),
} as const satisfies ElementwiseActivation;
