/**
 * diagnose(): why a network does not learn. It builds the network as `new
 * Network` would (the same checks and messages), checks the data as `fit`
 * does, runs a short probe of the training, and returns findings worst
 * first, each with its evidence and a fix. See docs/doctor.md.
 */
import { checkDatasetJob, type Dataset } from '../data/dataset.js';
import { fitPreprocessingJob } from '../data/preprocess.js';
import { runYielding } from '../cooperative.js';
import { Network, type NetworkOptions } from '../network.js';
import { lossOp } from '../ops/losses/index.js';
import { outputLayer, targetRangeOf } from '../plan.js';
import { resolveFitOptions, type FitOptions } from '../train/options.js';
import { expectKnownKeys, expectObject, expectPositiveInteger } from '../validate.js';
import { checkGradientsJob } from './checks/gradients.js';
import { chanceLoss, checkInitialLoss } from './checks/initial-loss.js';
import { checkInitialisationJob } from './checks/initialisation.js';
import { checkInputsJob } from './checks/inputs.js';
import { checkLayerHealth } from './checks/layer-health.js';
import { checkLossTrend } from './checks/loss-trend.js';
import { checkOutputAndLoss } from './checks/output-loss.js';
import { checkOutputSaturation } from './checks/output-saturation.js';
import { checkOverfit } from './checks/overfit.js';
import type { DoctorContext } from './context.js';
import { round, sortFindings, type Finding } from './findings.js';
import { runProbe } from './probe.js';

/** The fit options a probe uses; the others (epochs, schedules, checkpoints...) do not apply to a few hundred steps. */
const PROBE_FIT_OPTIONS = ['batchSize', 'optimizer', 'lr', 'momentum', 'nesterov', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'seed', 'threads', 'preprocess'] as const;

export interface DiagnoseOptions extends Pick<FitOptions, (typeof PROBE_FIT_OPTIONS)[number]> {
  /** A held-out test set: checked for rows shared with the training data. */
  test?: Dataset;
  /** Training steps of the probe. Default 200. */
  steps?: number;
}

/** Default probe length: enough chunks to see a trend, short enough for well under 2 s on the digits. */
export const DEFAULT_PROBE_STEPS = 200;
/** At most this many steps: the doctor is a quick look, not a training run. */
export const MAX_PROBE_STEPS = 1000;
/** Rows the initial loss is measured on. */
const INITIAL_LOSS_ROWS = 1024;

export interface DoctorReport {
  /** Worst first: errors, then warnings, then information. */
  findings: Finding[];
  /** True when there is no error and no warning. */
  healthy: boolean;
  counts: { error: number; warning: number; info: number };
  probe: {
    backend: string;
    steps: number;
    batchSize: number;
    optimizer: string;
    lr: number;
    initialLoss: number;
    finalLoss: number | null;
    chanceLoss: number;
    seconds: number;
  };
  /** Wall time of the whole diagnosis. */
  seconds: number;
}

export async function diagnose(networkOptions: NetworkOptions, data: Dataset, options: DiagnoseOptions = {}): Promise<DoctorReport> {
  const started = performance.now();
  const o = expectObject('options', options);
  expectKnownKeys('options', o, [...PROBE_FIT_OPTIONS, 'test', 'steps']);
  const steps = expectPositiveInteger('options.steps', o.steps ?? DEFAULT_PROBE_STEPS);
  if (steps > MAX_PROBE_STEPS) throw new RangeError(`options.steps must be at most ${MAX_PROBE_STEPS} (the doctor probes, it does not train), received ${steps}`);
  const fitOptions: Record<string, unknown> = {};
  for (const key of PROBE_FIT_OPTIONS) if (o[key] !== undefined) fitOptions[key] = o[key];
  const network = new Network(networkOptions);
  const fit = resolveFitOptions({ ...fitOptions, schedule: 'constant' }, network.seed);
  const { inputs, outputs } = network.plan;
  // Every scan of the data and every long check runs in slices with the
  // event loop's turn between them (src/cooperative.ts), as in fit.
  const train = await runYielding(checkDatasetJob('data', data, inputs, outputs, targetRangeOf(network.plan)));
  const loss = outputLayer(network.plan).loss;
  if (lossOp(loss).needsLabels && data.classes === undefined) {
    throw new TypeError(`data.classes must be set for the ${loss} loss (its y are class indices)`);
  }
  const test = o.test === undefined ? null : await runYielding(checkDatasetJob('options.test', o.test, inputs, outputs, targetRangeOf(network.plan)));
  if (fit.preprocess !== null && fit.preprocess !== 'none') {
    network.preprocessing = await runYielding(fitPreprocessingJob(fit.preprocess, train.x, train.xScale, train.n, inputs));
  }

  const sample = Math.min(INITIAL_LOSS_ROWS, train.n);
  const initialLoss = (await network.evaluateCheckedAsync({ ...train, n: sample, x: train.x.subarray(0, sample * inputs), labels: train.labels?.subarray(0, sample) ?? null, targets: train.targets?.subarray(0, sample * outputs) ?? null })).loss;
  const chance = chanceLoss(network.plan, train);
  const probe = await runProbe(network, train, fit, steps);
  const ctx: DoctorContext = { network, train, test, fit, probe };
  const findings = sortFindings([
    ...checkOutputAndLoss(ctx),
    ...checkInitialLoss(ctx, initialLoss),
    ...(await runYielding(checkInitialisationJob(ctx))),
    ...(await runYielding(checkGradientsJob(ctx))),
    ...checkLayerHealth(ctx),
    ...checkOutputSaturation(ctx),
    ...checkLossTrend(ctx, initialLoss, chance),
    ...(await checkOverfit(ctx)),
    ...(await runYielding(checkInputsJob(ctx))),
  ]);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    findings,
    healthy: counts.error === 0 && counts.warning === 0,
    counts,
    probe: {
      backend: probe.backend,
      steps: probe.steps,
      batchSize: probe.batchSize,
      optimizer: fit.optimizer.kind,
      lr: fit.lr,
      initialLoss: round(initialLoss),
      finalLoss: probe.losses.length ? round(probe.losses[probe.losses.length - 1]) : null,
      chanceLoss: round(chance),
      seconds: round(probe.seconds),
    },
    seconds: round((performance.now() - started) / 1000),
  };
}
