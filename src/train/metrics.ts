/**
 * Loss, accuracy, the confusion matrix and per-class precision, recall
 * and F1 (classification), or MAE, RMSE and R² (regression), from a
 * network's activated outputs. Losses match the training kernels'
 * definitions; probabilities are clamped away from 0 and 1 only as far as
 * float32 needs. Memory is bounded by the rows and classes, never their
 * product beyond MAX_CONFUSION_CLASSES: a CSV may have 65,536 classes, and
 * their square as JS numbers is 34 GB.
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

/**
 * The most classes whose confusion matrix an evaluation holds whole, as
 * `confusion` (1,024² cells: 8 MB of JS numbers). With more classes it
 * holds the matrix's non-zero cells instead, as `confusionCells` (at most
 * one per row evaluated).
 */
export const MAX_CONFUSION_CLASSES = 1024;

/** A non-zero cell of a confusion matrix: `count` rows of class `actual` were predicted as `predicted`. */
export interface ConfusionCell {
  actual: number;
  predicted: number;
  count: number;
}

export interface Evaluation {
  /** Mean loss over the samples. */
  loss: number;
  n: number;
  /** Fraction classified correctly (classification only). */
  accuracy?: number;
  /**
   * confusion[actual][predicted] counts (classification with at most
   * MAX_CONFUSION_CLASSES = 1,024 classes).
   */
  confusion?: number[][];
  /**
   * With more than MAX_CONFUSION_CLASSES classes, in place of confusion:
   * its non-zero cells, by actual and then predicted class (every cell not
   * listed is 0).
   */
  confusionCells?: ConfusionCell[];
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

/**
 * The evaluation of n rows of activated outputs. `details` false gives the
 * loss and the accuracy alone (what a fit's validation pass reports):
 * no confusion matrix, per-class or regression scores.
 */
export function evaluateOutputs(
  outputs: Float32Array,
  width: number,
  loss: string,
  labels: Int32Array | null,
  targets: Float32Array | null,
  classes: number | null,
  labelNames: readonly string[] | null = null,
  details = true,
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
    const predictions = new Int32Array(n);
    let correct = 0;
    for (let r = 0; r < n; r++) {
      predictions[r] = predictedClass(outputs, r * width, width);
      if (predictions[r] === labels[r]) correct++;
    }
    evaluation.accuracy = correct / n;
    if (details) Object.assign(evaluation, classificationDetails(labels, predictions, classes, labelNames));
  } else if (targets !== null && details) {
    Object.assign(evaluation, regressionMetrics(outputs, targets, width));
  }
  return evaluation;
}

/** The confusion matrix (whole, or its non-zero cells beyond MAX_CONFUSION_CLASSES) and the per-class scores. */
function classificationDetails(
  labels: Int32Array,
  predictions: Int32Array,
  classes: number,
  labelNames: readonly string[] | null,
): Pick<Evaluation, 'confusion' | 'confusionCells' | 'perClass'> {
  const n = labels.length;
  // Per class: rows of it, rows predicted as it, and rows both (the diagonal).
  const support = new Float64Array(classes);
  const predicted = new Float64Array(classes);
  const truePositives = new Float64Array(classes);
  for (let r = 0; r < n; r++) {
    support[labels[r]]++;
    predicted[predictions[r]]++;
    if (labels[r] === predictions[r]) truePositives[labels[r]]++;
  }
  const perClass = scoresOf(truePositives, support, predicted, labelNames);
  if (classes <= MAX_CONFUSION_CLASSES) {
    const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
    for (let r = 0; r < n; r++) confusion[labels[r]][predictions[r]]++;
    return { confusion, perClass };
  }
  // actual x classes + predicted is below 2^32: exact as a double key.
  const counts = new Map<number, number>();
  for (let r = 0; r < n; r++) {
    const key = labels[r] * classes + predictions[r];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const keys = Float64Array.from(counts.keys()).sort();
  const confusionCells = Array.from(keys, (key) => ({ actual: Math.floor(key / classes), predicted: key % classes, count: counts.get(key)! }));
  return { confusionCells, perClass };
}

/** Per-class scores from a confusion matrix (confusion[actual][predicted]). */
export function classMetrics(confusion: readonly (readonly number[])[], labelNames: readonly string[] | null = null): ClassMetrics[] {
  const classes = confusion.length;
  const support = new Float64Array(classes);
  const predicted = new Float64Array(classes);
  const truePositives = new Float64Array(classes);
  for (let a = 0; a < classes; a++) {
    truePositives[a] = confusion[a][a];
    for (let p = 0; p < classes; p++) {
      support[a] += confusion[a][p];
      predicted[p] += confusion[a][p];
    }
  }
  return scoresOf(truePositives, support, predicted, labelNames);
}

function scoresOf(truePositives: Float64Array, support: Float64Array, predicted: Float64Array, labelNames: readonly string[] | null): ClassMetrics[] {
  return Array.from(truePositives, (tp, c) => {
    const precision = predicted[c] === 0 ? 0 : tp / predicted[c];
    const recall = support[c] === 0 ? 0 : tp / support[c];
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label: labelNames?.[c] ?? String(c), precision, recall, f1, support: support[c] };
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
