import type { Floats, RowwiseActivation } from '../types.js';

export const softmax = {
  name: 'softmax',
  rowwise: true,
  hidden: false,
  output: true,
  gain2: 1,
  init: 'glorot',
  derivative: 'row',
  defaultLoss: 'cross-entropy',
  /** Shifted by the row's max for stability. */
  forwardRow(y: Floats, start: number, cols: number): void {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, y[start + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(y[start + j] - max);
      y[start + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) y[start + j] /= sum;
  },
  /** dz_j = a_j (dy_j - sum_k dy_k a_k). */
  vjpRow(dz: Floats, dy: Floats, a: Floats, start: number, cols: number): void {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[start + j] * a[start + j];
    for (let j = 0; j < cols; j++) dz[start + j] = a[start + j] * (dy[start + j] - dot);
  },
} as const satisfies RowwiseActivation;
