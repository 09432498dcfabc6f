/** An evaluation as text: the scores, the per-class table and the confusion matrix. */
import { MAX_CONFUSION_CLASSES, type Evaluation } from '../train/metrics.js';
import { percent, table } from './text.js';

export function evaluationLines(e: Evaluation, labels: string[] | null): string[] {
  if (e.perClass === undefined || labels === null) {
    const lines = [`loss ${e.loss.toFixed(4)}`];
    if (e.mae !== undefined) lines.push(`MAE ${e.mae.toPrecision(4)}, RMSE ${e.rmse!.toPrecision(4)}, R² ${e.r2!.toFixed(4)}`);
    return lines;
  }
  const scores = table([
    ['class', 'precision', 'recall', 'f1', 'support'],
    ...e.perClass.map((c) => [c.label, c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)]),
  ]);
  const head = [`loss ${e.loss.toFixed(4)}, accuracy ${percent(e.accuracy!)}`, '', ...scores, ''];
  if (e.confusion === undefined) {
    const cells = e.confusionCells?.length ?? 0;
    return [...head, `confusion matrix: not printed for ${labels.length} classes (more than ${MAX_CONFUSION_CLASSES}); --json lists its ${cells} non-zero cells as confusionCells`];
  }
  const confusion = table([['actual \\ predicted', ...labels], ...e.confusion.map((row, c) => [labels[c], ...row.map(String)])]);
  return [...head, 'confusion matrix (rows: actual class, columns: predicted)', ...confusion];
}
