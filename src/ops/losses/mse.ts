import { predictedClass } from '../activations/apply.js';
import { targetOf, type Floats, type LossOp, type LossRows } from '../types.js';

/**
 * Mean squared error on any output activation, averaged over the units:
 * loss = mean_j (a - t)^2, dL/da = 2 (a - t) / (batch * outputs), then back
 * through the activation (its Jacobian for softmax).
 */
export const mse = {
  name: 'mse',
  outputs: ['linear', 'tanh', 'sigmoid', 'softmax'],
  needsLabels: false,
  rows({ dz, z, labels, targets, rows, outputs, act, scaleBatch }: LossRows) {
    const scale = 1 / (scaleBatch * outputs);
    const a = new Float64Array(outputs);
    const g = new Float64Array(outputs);
    let lossSum = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const row = r * outputs;
      // a = act(z), rounded to the working precision as the kernels store it.
      for (let j = 0; j < outputs; j++) dz[row + j] = z[row + j];
      if (act.rowwise) act.forwardRow(dz, row, outputs);
      else for (let j = 0; j < outputs; j++) dz[row + j] = act.forward(z[row + j]);
      for (let j = 0; j < outputs; j++) a[j] = dz[row + j];
      if (labels !== null && predictedClass(dz, row, outputs) === labels[r]) correct++;
      let sample = 0;
      for (let j = 0; j < outputs; j++) {
        const diff = a[j] - targetOf(labels, targets, r, j, outputs);
        sample += diff * diff;
        g[j] = 2 * diff * scale;
      }
      lossSum += sample / outputs;
      if (act.rowwise) {
        act.vjpRow(a, g, a, 0, outputs);
        for (let j = 0; j < outputs; j++) dz[row + j] = a[j];
      } else {
        for (let j = 0; j < outputs; j++) dz[row + j] = g[j] * act.grad(z[row + j], a[j]);
      }
    }
    return { lossSum, correct };
  },
  sampleLoss(a: Floats, row: number, width: number, target: (j: number) => number): number {
    let loss = 0;
    for (let j = 0; j < width; j++) {
      const diff = a[row + j] - target(j);
      loss += diff * diff;
    }
    return loss / width;
  },
} as const satisfies LossOp;
