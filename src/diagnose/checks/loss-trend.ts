/** Check 6: the loss over the probe: not finite, diverging, or not moving. */
import type { DoctorContext } from '../context.js';
import { round, type Finding } from '../findings.js';

/**
 * Diverging: the last chunk's loss above 1.5x the initial one, or any
 * chunk above 3x. Training noise moves a chunk's mean by a few per cent;
 * an unstable learning rate doubles it within a few chunks.
 */
const RISE_LAST = 1.5;
const RISE_PEAK = 3;
/**
 * Not moving: less than 5% below the initial loss after the probe (a
 * healthy network halves it in a few hundred steps), or still at 90% or
 * more of what a constant guess scores (it has learnt nothing about the inputs).
 */
const MIN_PROGRESS = 0.05;
const CHANCE_SHARE = 0.9;

export function checkLossTrend({ probe, fit, network }: DoctorContext, initialLoss: number, chance: number): Finding[] {
  const findings: Finding[] = [];
  const lr = fit.lr;
  const lower = `a lower --lr (now ${lr}; try ${round(lr / 10)}), API lr`;
  if (probe.failure !== null) {
    const { step, loss, layer } = probe.failure;
    const kind = network.plan.layers[layer].kind;
    findings.push({
      code: 'LOSS_NON_FINITE',
      severity: 'error',
      layer,
      message: `the loss became ${loss} at probe step ${step}; the first layer whose output was not finite on that batch is plan[${layer}] (${kind})`,
      evidence: { step, loss: String(loss), lr },
      fix: lower,
    });
  }
  const losses = probe.losses;
  if (losses.length === 0) return findings;
  const final = losses[losses.length - 1];
  const peak = Math.max(...losses);
  const evidence = { initialLoss: round(initialLoss), finalLoss: round(final), peakLoss: round(peak), chanceLoss: round(chance), steps: probe.steps, chunkLosses: losses.map(round), lr };
  if (probe.failure !== null || final > RISE_LAST * initialLoss || peak > RISE_PEAK * initialLoss) {
    findings.push({
      code: 'LOSS_DIVERGING',
      severity: 'error',
      layer: null,
      message: `the loss rose from ${round(initialLoss)} to ${rise(probe.failure !== null, initialLoss, final, peak)} over ${probe.steps} steps: the learning rate ${lr} is too high for this network`,
      evidence,
      fix: lower,
    });
    return findings;
  }
  const progress = (initialLoss - final) / initialLoss;
  if (progress < MIN_PROGRESS || final >= CHANCE_SHARE * chance) {
    const accuracy = probe.accuracies.length > 0 ? probe.accuracies[probe.accuracies.length - 1] : null;
    findings.push({
      code: 'LOSS_STALLED',
      severity: 'error',
      layer: null,
      message:
        progress < MIN_PROGRESS
          ? `the loss went from ${round(initialLoss)} to ${round(final)} in ${probe.steps} steps: it is not moving`
          : `after ${probe.steps} steps the loss ${round(final)} is no better than a constant guess (${round(chance)})${accuracy === null ? '' : `, training accuracy ${round(accuracy)}`}: the network is not learning from its inputs`,
      evidence: { ...evidence, progress: round(progress), finalAccuracy: accuracy === null ? null : round(accuracy) },
      fix: `fix the errors above first (output and loss, initialisation, gradients); if none, a higher --lr (now ${lr}) or --optimizer adam`,
    });
  }
  return findings;
}

/** How far the loss rose: to NaN / Infinity, to where it ended, or to a peak it fell back from. */
function rise(failed: boolean, initial: number, final: number, peak: number): string {
  if (failed) return 'NaN / Infinity';
  if (final > RISE_LAST * initial) return String(round(final));
  return `a peak of ${round(peak)} (ending at ${round(final)})`;
}
