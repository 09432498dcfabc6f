/**
 * Check 2: the loss at the initial weights against what chance predicts:
 * the entropy of the class frequencies under cross-entropy (ln K for K
 * balanced classes), the variance of the targets under squared error.
 */
import type { CheckedData } from '../../data/dataset.js';
import { outputLayer, type Plan } from '../../plan.js';
import type { DoctorContext } from '../context.js';
import { round, type Finding } from '../findings.js';

/**
 * Ratios of the initial loss to chance: a network whose initial guesses
 * are near uniform starts within ~1.5x of chance (He-initialised logits
 * of unit spread reach ~2x on three classes, whose chance is only 1.1);
 * 3x means confident wrong guesses before any training (outputs too
 * large); 5x, outputs stuck at the ends of their range.
 */
const WARN_RATIO = 3;
const ERROR_RATIO = 5;

/** The loss of the best constant prediction: predicting the class frequencies (or the target means). */
export function chanceLoss(plan: Plan, data: CheckedData): number {
  const { loss } = outputLayer(plan);
  const outputs = plan.outputs;
  if (data.labels !== null) {
    const counts = new Float64Array(Math.max(outputs, 2));
    for (const label of data.labels) counts[label]++;
    const p = Array.from(counts, (c) => c / data.n);
    if (loss === 'mse') {
      // One-hot targets (0/1 for a single unit): the mean over units of each unit's variance.
      if (outputs === 1) return p[1] * (1 - p[1]);
      return p.slice(0, outputs).reduce((sum, q) => sum + q * (1 - q), 0) / outputs;
    }
    return -p.reduce((sum, q) => sum + (q > 0 ? q * Math.log(q) : 0), 0);
  }
  const targets = data.targets!;
  let total = 0;
  for (let j = 0; j < outputs; j++) {
    let mean = 0;
    for (let r = 0; r < data.n; r++) mean += targets[r * outputs + j];
    mean /= data.n;
    let variance = 0;
    for (let r = 0; r < data.n; r++) variance += (targets[r * outputs + j] - mean) ** 2;
    total += variance / data.n;
  }
  return total / outputs;
}

export function checkInitialLoss(ctx: DoctorContext, initialLoss: number): Finding[] {
  const chance = chanceLoss(ctx.network.plan, ctx.train);
  const ratio = initialLoss / chance;
  if (!(ratio > WARN_RATIO)) return [];
  const { loss } = outputLayer(ctx.network.plan);
  return [
    {
      code: 'INITIAL_LOSS_HIGH',
      severity: ratio > ERROR_RATIO || !Number.isFinite(ratio) ? 'error' : 'warning',
      layer: null,
      message: `the initial ${loss} loss ${round(initialLoss)} is ${round(ratio)}x what a constant guess of the ${ctx.train.labels ? 'class frequencies' : 'target means'} scores (${round(chance)}): the untrained outputs are confidently wrong`,
      evidence: { initialLoss: round(initialLoss), chanceLoss: round(chance), ratio: round(ratio) },
      fix: 'initialise for the activations (--init he or --init glorot, API init) and fit the output to the loss (see the other findings)',
    },
  ];
}
