/**
 * Loss, accuracy, the confusion matrix and per-class precision, recall
 * and F1 (classification), or MAE, RMSE and R² (regression), from a
 * network's activated outputs. Losses match the training kernels'
 * definitions; probabilities are clamped away from 0 and 1 only as far as
 * float32 needs.
 */
import { predictedClass } from '../ops/activations/apply.js';
import { lossOp } from '../ops/losses/index.js';

/** One class's scores, counting it as the positive class against all others. */
export interface ClassMetrics {
  /** The class's name when it has one (labelNames), else its index as text. */
  label: string;
  /** Of the rows predicted as this class, the share that are: tp / (tp + fp); 0 when none was predicted. */
  precision: number;
  /** Of the rows of this class, the share predicted as it: tp / (tp + fn); 0 when there are none. */
  recall: number;
  /** The harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Rows of this class. */
  support: number;
}

export interface Evaluation {
  /** Mean loss over the samples. */
  loss: number;
  n: number;
  /** Fraction classified correctly (classification only). */
  accuracy?: number;
  /** confusion[actual][predicted] counts (classification only). */
  confusion?: number[][];
  /** Precision, recall, F1 and support of every class, in class order (classification only). */
  perClass?: ClassMetrics[];
  /** Mean absolute error over every target of every row (regression only). */
  mae?: number;
  /** Root of the mean squared error over every target of every row (regression only). */
  rmse?: number;
  /**
   * Coefficient of determination, 1 - SS_res / SS_tot, per target column
   * and averaged over them (regression only). A column whose targets are
   * all equal scores 1 when predicted exactly, else 0.
   */
  r2?: number;
}

export function evaluateOutputs(
  outputs: Float32Array,
  width: number,
  loss: string,
  labels: Int32Array | null,
  targets: Float32Array | null,
  classes: number | null,
  labelNames: readonly string[] | null = null,
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
    evaluation.perClass = classMetrics(confusion, labelNames);
  } else if (targets !== null) {
    Object.assign(evaluation, regressionMetrics(outputs, targets, width));
  }
  return evaluation;
}

/** Per-class scores from a confusion matrix (confusion[actual][predicted]). */
export function classMetrics(confusion: readonly (readonly number[])[], labelNames: readonly string[] | null = null): ClassMetrics[] {
  return confusion.map((row, c) => {
    const truePositives = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, other) => sum + other[c], 0);
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label: labelNames?.[c] ?? String(c), precision, recall, f1, support };
  });
}

/** MAE and RMSE over all n x width values; R² per column, averaged. Sums in float64. */
export function regressionMetrics(outputs: Float32Array, targets: Float32Array, width: number): { mae: number; rmse: number; r2: number } {
  const n = outputs.length / width;
  let absolute = 0;
  let squared = 0;
  let r2Sum = 0;
  for (let j = 0; j < width; j++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += targets[r * width + j];
    mean /= n;
    let residual = 0;
    let total = 0;
    for (let r = 0; r < n; r++) {
      const t = targets[r * width + j];
      const d = outputs[r * width + j] - t;
      absolute += Math.abs(d);
      residual += d * d;
      total += (t - mean) * (t - mean);
    }
    squared += residual;
    r2Sum += total > 0 ? 1 - residual / total : residual === 0 ? 1 : 0;
  }
  return { mae: absolute / (n * width), rmse: Math.sqrt(squared / (n * width)), r2: r2Sum / width };
}
