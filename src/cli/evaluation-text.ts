/** An evaluation as text: the scores, the per-class table and the confusion matrix. */
import type { Evaluation } from '../train/metrics.js';
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
  const confusion = table([['actual \\ predicted', ...labels], ...e.confusion!.map((row, c) => [labels[c], ...row.map(String)])]);
  return [`loss ${e.loss.toFixed(4)}, accuracy ${percent(e.accuracy!)}`, '', ...scores, '', 'confusion matrix (rows: actual class, columns: predicted)', ...confusion];
}
