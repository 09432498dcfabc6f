/**
 * The finite-weights promise of fit: the weights are checked before every
 * epoch and after it (a scan in slices, with the event loop's turn
 * between them), so an epoch whose last update overflows is caught as
 * surely as a batch whose loss does, and what the network is put back to
 * is known to be finite.
 */
import type { EpochResult } from '../backend/types.js';
import { firstNonFiniteJob, runYielding } from '../cooperative.js';
import { parameterName, type Plan } from '../plan.js';
import { TrainingDivergedError } from './errors.js';
import type { FitTarget } from './fit.js';

/** params[i] with its value and where it sits: "params[2] = NaN, the plan[0] weight from input 0 to unit 2". */
export function describeParameter(plan: Plan, params: Float32Array, index: number): string {
  return `params[${index}] = ${params[index]}, ${parameterName(plan, index)}`;
}

/** Refuses weights that are not finite at the start of an epoch (set so before fit, or changed between epochs). */
export async function expectFiniteWeights(target: Pick<FitTarget, 'plan' | 'params'>, epoch: number): Promise<void> {
  const bad = await runYielding(firstNonFiniteJob('network.params', target.params));
  if (bad >= 0) {
    throw new RangeError(
      `network.params must hold finite numbers to train, received ${describeParameter(target.plan, target.params, bad)} at the start of epoch ${epoch}`,
    );
  }
}

/**
 * After an epoch: null when its loss and the weights it left are finite;
 * else the error to throw, with the network already put back to what the
 * error says it keeps (the weights of epochStart, finite since the epoch
 * began, and no optimizer state, when the weights were not finite).
 */
export async function divergenceAfter(
  target: FitTarget,
  epochStart: Float32Array,
  epoch: number,
  lr: number,
  result: EpochResult,
): Promise<TrainingDivergedError | null> {
  const bad = await runYielding(firstNonFiniteJob('network.params', target.params));
  if (result.failedBatch < 0 && bad < 0) return null;
  const nonFinite = result.failedBatch >= 0 ? 'loss' : 'weights';
  const batch = nonFinite === 'loss' ? result.failedBatch : result.steps - 1;
  const loss = nonFinite === 'loss' ? result.failedLoss : NaN;
  if (bad < 0) return new TrainingDivergedError({ epoch, batch, loss, lr, nonFinite, kept: 'last-update', parameter: null });
  const parameter = describeParameter(target.plan, target.params, bad);
  target.params.set(epochStart);
  // The moments saw the updates that overflowed: they are dropped with them.
  target.optimizerState = null;
  return new TrainingDivergedError({ epoch, batch, loss, lr, nonFinite, kept: 'epoch-start', parameter });
}
