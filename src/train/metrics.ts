/**
 * Loss, accuracy and the confusion matrix from a network's activated
 * outputs. Losses match the training kernels' definitions; probabilities
 * are clamped away from 0 and 1 only as far as float32 needs.
 */
import { predictedClass } from '../ops/activations/apply.js';
import { lossOp } from '../ops/losses/index.js';

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
  loss: string,
  labels: Int32Array | null,
  targets: Float32Array | null,
  classes: number | null,
): Evaluation {
  const n = outputs.length / width;
  const op = lossOp(loss);
  let lossSum = 0;
  for (let r = 0; r < n; r++) {
    const target = (j: number): number => (targets ? targets[r * width + j] : width === 1 ? labels![r] : labels![r] === j ? 1 : 0);
    lossSum += op.sampleLoss(outputs, r * width, width, target);
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
