import { predictedClass } from '../activations/apply.js';
import { targetOf, type Floats, type LossOp, type LossRows } from '../types.js';
import { MIN_PROBABILITY } from './cross-entropy.js';

/** Largest probability below 1 in float32, for the log of 1 - p. */
const MAX_PROBABILITY = 1 - 5.96e-8;

/**
 * Binary cross-entropy on sigmoid outputs, from the logits, averaged over
 * the units: loss = mean_j max(z,0) - z t + log(1 + e^-|z|),
 * dL/dz = (sigmoid(z) - t) / (batch * outputs).
 */
export const binaryCrossEntropy = {
  name: 'binary-cross-entropy',
  outputs: ['sigmoid'],
  needsLabels: false,
  // Targets outside [0, 1] make its loss negative and unbounded below: training would chase them.
  targetRange: { min: 0, max: 1, why: 'the binary-cross-entropy loss reads them as probabilities' },
  rows({ dz, z, labels, targets, rows, outputs, act, scaleBatch }: LossRows) {
    if (act.rowwise || act.name !== 'sigmoid') throw new RangeError(`binary-cross-entropy needs a sigmoid output, received "${act.name}"`);
    const scale = 1 / (scaleBatch * outputs);
    let lossSum = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const row = r * outputs;
      for (let j = 0; j < outputs; j++) dz[row + j] = act.forward(z[row + j]);
      if (labels !== null && predictedClass(dz, row, outputs) === labels[r]) correct++;
      let sample = 0;
      for (let j = 0; j < outputs; j++) {
        const zj = z[row + j];
        const t = targetOf(labels, targets, r, j, outputs);
        sample += Math.max(zj, 0) - zj * t + Math.log1p(Math.exp(-Math.abs(zj)));
        dz[row + j] = (dz[row + j] - t) * scale;
      }
      lossSum += sample / outputs;
    }
    return { lossSum, correct };
  },
  sampleLoss(a: Floats, row: number, width: number, target: (j: number) => number): number {
    let loss = 0;
    for (let j = 0; j < width; j++) {
      const p = Math.min(Math.max(a[row + j], MIN_PROBABILITY), MAX_PROBABILITY);
      const t = target(j);
      loss -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
    }
    return loss / width;
  },
} as const satisfies LossOp;
