import { predictedClass } from '../activations/apply.js';
import type { Floats, LossOp, LossRows } from '../types.js';

/** Smallest probability a log is taken of when evaluating (float32's smallest normal). */
export const MIN_PROBABILITY = 1.1754944e-38;

/**
 * Cross-entropy on a softmax output, from the logits:
 * loss = logsumexp(z) - z_label, dL/dz = (p - onehot) / batch.
 */
export const crossEntropy = {
  name: 'cross-entropy',
  outputs: ['softmax'],
  needsLabels: true,
  rows({ dz, z, labels, rows, outputs, act, scaleBatch }: LossRows) {
    if (!act.rowwise || act.name !== 'softmax') throw new RangeError(`cross-entropy needs a softmax output, received "${act.name}"`);
    const scale = 1 / scaleBatch;
    let lossSum = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const row = r * outputs;
      for (let j = 0; j < outputs; j++) dz[row + j] = z[row + j];
      act.forwardRow(dz, row, outputs);
      const label = labels![r];
      if (predictedClass(dz, row, outputs) === label) correct++;
      let max = -Infinity;
      for (let j = 0; j < outputs; j++) max = Math.max(max, z[row + j]);
      let sum = 0;
      for (let j = 0; j < outputs; j++) sum += Math.exp(z[row + j] - max);
      lossSum += max + Math.log(sum) - z[row + label];
      for (let j = 0; j < outputs; j++) dz[row + j] = (dz[row + j] - (j === label ? 1 : 0)) * scale;
    }
    return { lossSum, correct };
  },
  sampleLoss(a: Floats, row: number, width: number, target: (j: number) => number): number {
    let loss = 0;
    for (let j = 0; j < width; j++) {
      const t = target(j);
      if (t !== 0) loss -= t * Math.log(Math.max(a[row + j], MIN_PROBABILITY));
    }
    return loss;
  },
} as const satisfies LossOp;
