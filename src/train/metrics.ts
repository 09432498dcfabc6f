/**
 * Loss, accuracy and the confusion matrix from a network's activated
 * outputs. Losses match the training kernels' definitions; probabilities
 * are clamped away from 0 and 1 only as far as float32 needs.
 */
import type { LossName } from '../spec.js';
import { predictedClass } from '../backend/reference-kernels.js';

/** Smallest probability a log is taken of (float32's smallest normal). */
const MIN_PROBABILITY = 1.1754944e-38;

export interface Evaluation {
  /** Mean loss over the samples. */
  loss: number;
  n: number;
  /** Fraction classified correctly (classification only). */
  accuracy?: number;
  /** confusion[actual][predicted] counts (classification only). */
  confusion?: number[][];
}

export function evaluateOutputs(
  outputs: Float32Array,
  width: number,
  loss: LossName,
  labels: Int32Array | null,
  targets: Float32Array | null,
  classes: number | null,
): Evaluation {
  const n = outputs.length / width;
  let lossSum = 0;
  for (let r = 0; r < n; r++) {
    const row = r * width;
    if (loss === 'cross-entropy') {
      lossSum -= Math.log(Math.max(outputs[row + labels![r]], MIN_PROBABILITY));
      continue;
    }
    let sample = 0;
    for (let j = 0; j < width; j++) {
      const a = outputs[row + j];
      const t = targets ? targets[row + j] : width === 1 ? labels![r] : labels![r] === j ? 1 : 0;
      if (loss === 'mse') {
        sample += (a - t) * (a - t);
      } else {
        const p = Math.min(Math.max(a, MIN_PROBABILITY), 1 - 5.96e-8);
        sample -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
      }
    }
    lossSum += sample / width;
  }
  const evaluation: Evaluation = { loss: lossSum / n, n };
  if (labels !== null && classes !== null) {
    const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
    let correct = 0;
    for (let r = 0; r < n; r++) {
      const predicted = predictedClass(outputs, r * width, width);
      confusion[labels[r]][predicted]++;
      if (predicted === labels[r]) correct++;
    }
    evaluation.accuracy = correct / n;
    evaluation.confusion = confusion;
  }
  return evaluation;
}
