/**
 * The training loop. TypeScript owns the epochs, the shuffled order, the
 * schedule, validation, early stopping and callbacks; a backend's trainer
 * runs each epoch's batches in one call.
 */
import type { Backend, OptimizerState } from '../backend/types.js';
import { lossOp } from '../ops/losses/index.js';
import { optimizerOp } from '../ops/optimizers/index.js';
import { outputLayer, targetRangeOf, type Plan } from '../plan.js';
import { expectWhole, runYielding, watch } from '../cooperative.js';
import { checkDatasetJob, checkedPart, type CheckedData, type Dataset } from '../data/dataset.js';
import { fitPreprocessingJob, preprocessRowsJob, type Preprocessing } from '../data/preprocess.js';
import { splitCheckedJob } from '../data/split.js';
import { Rng, shuffledIndicesJob } from '../rng.js';
import { EarlyStopping, resolveEarlyStopping } from './early-stopping.js';
import { divergenceAfter, expectFiniteWeights } from './divergence.js';
import type { Evaluation } from './metrics.js';
import { resolveFitOptions, type EpochLog } from './options.js';
import { resolveSchedule } from './schedule.js';
import { resumeFrom, trajectorySettings, writeCheckpoint } from './checkpoint.js';

export interface History {
  /** One entry per epoch that ran. */
  epochs: EpochLog[];
  /** True when early stopping ended the run before options.epochs. */
  stoppedEarly: boolean;
  /** The epoch whose weights the network holds at the end when early stopping restored them, else null. */
  restoredEpoch: number | null;
}

/** What the loop needs of a network. */
export interface FitTarget {
  readonly plan: Plan;
  readonly params: Float32Array;
  readonly seed: number;
  readonly backend: Backend;
  optimizerState: OptimizerState | null;
  preprocessing: Preprocessing | null;
  labelNames: string[] | null;
  /** details false: the loss and accuracy alone. */
  evaluateCheckedAsync(data: CheckedData, details?: boolean): Promise<Evaluation>;
}

/**
 * The state this fit's optimizer continues from: the target's when it was
 * left by the same optimizer, else fresh (zero moments, no steps).
 */
function stateFor(target: FitTarget, optimizer: string): OptimizerState {
  const current = target.optimizerState;
  const slots = optimizerOp(optimizer).slots;
  if (current && current.optimizer === optimizer && current.moments.length === slots * target.plan.size) return current;
  const fresh: OptimizerState = { optimizer, step: 0, moments: new Float32Array(slots * target.plan.size) };
  target.optimizerState = fresh;
  return fresh;
}

export async function fit(target: FitTarget, data: Dataset, rawOptions: unknown): Promise<History> {
  const options = resolveFitOptions(rawOptions, target.seed);
  const { inputs: features, outputs } = target.plan;
  // Every scan and copy of the data below runs in slices with the event
  // loop's turn between them (src/cooperative.ts): a server that trains in
  // the background keeps answering.
  const { signal, checkpoint } = options;
  const checked = await runYielding(checkDatasetJob('data', data, features, outputs, targetRangeOf(target.plan)));
  signal?.throwIfAborted();
  const loss = outputLayer(target.plan).loss;
  if (lossOp(loss).needsLabels && data.classes === undefined) {
    throw new TypeError(`data.classes must be set for the ${loss} loss (its y are class indices)`);
  }

  let train = checked;
  let validationSet: CheckedData | null = null;
  if (typeof options.validation === 'number') {
    const split = await runYielding(splitCheckedJob(data, { testFraction: options.validation, seed: options.seed }));
    train = checkedPart('data', split.train, checked);
    validationSet = checkedPart('options.validation', split.test, checked);
  } else if (options.validation !== null) {
    validationSet = await runYielding(checkDatasetJob('options.validation', options.validation, features, outputs, targetRangeOf(target.plan)));
  }
  signal?.throwIfAborted();
  const lrAt = resolveSchedule(options.schedule, options.lr, options.epochs);
  const earlyStoppingSettings = resolveEarlyStopping(options.earlyStopping, validationSet !== null);
  const earlyStopping = earlyStoppingSettings ? new EarlyStopping(earlyStoppingSettings) : null;

  const batchSize = Math.min(options.batchSize, train.n);
  // Only a checkpointed or resumed run needs them (they hash the training rows).
  const settings = options.checkpoint || options.resume !== null ? await trajectorySettings(options, train) : {};
  let rng = new Rng(options.seed);
  const history: History = { epochs: [], stoppedEarly: false, restoredEpoch: null };
  let firstEpoch = 1;
  if (options.resume !== null) {
    // Weights, optimizer state, preprocessing and labels come from the checkpoint.
    const progress = await resumeFrom(options.resume, target, settings);
    firstEpoch = progress.epoch + 1;
    rng = Rng.fromState(progress.rng);
    history.epochs = progress.history;
    if (earlyStopping && progress.earlyStopping) earlyStopping.resumeFrom(progress.earlyStopping);
  }
  // Preprocessing is fit on the training rows alone, then seen by
  // validation, evaluate and predict through the network.
  if (options.preprocess !== null && options.resume === null) {
    target.preprocessing = await runYielding(fitPreprocessingJob(options.preprocess, train.x, train.xScale, train.n, features));
  }
  if (data.labelNames !== undefined) target.labelNames = [...data.labelNames];
  const x =
    target.preprocessing === null
      ? train.x
      : await runYielding(
          preprocessRowsJob(target.preprocessing, train.x, train.xScale, features, 0, train.n, new Float32Array(train.n * features), 'data.x'),
        );
  signal?.throwIfAborted();
  const state = stateFor(target, options.optimizer.kind);
  const trainer = await target.backend.createTrainer(
    target.plan,
    target.params,
    state,
    { x, xScale: target.preprocessing === null ? train.xScale : 1, n: train.n, labels: train.labels, targets: train.targets },
    { optimizer: options.optimizer, batchSize, threads: options.threads, seed: options.seed, signal: signal ?? undefined },
  );
  const inOrder = identityOrder(train.n);
  const epochStart = new Float32Array(target.params.length);
  // JS runs between epochs (onEpochEnd, timers): the weights must still be there.
  const params = watch('network.params', target.params);
  try {
    for (let epoch = firstEpoch; epoch <= options.epochs; epoch++) {
      signal?.throwIfAborted();
      expectWhole(params);
      const started = performance.now();
      const lr = lrAt(epoch);
      const order = options.shuffle ? await runYielding(shuffledIndicesJob(train.n, rng)) : inOrder;
      // What a diverged epoch puts back: checked finite first, so that the error can say so.
      await expectFiniteWeights(target, epoch);
      epochStart.set(target.params);
      // The moments are copied back only when something reads them (onEpochEnd, a checkpoint, the end).
      const result = await trainer.trainEpoch({ order, batchSize, lr, epoch, signal: signal ?? undefined, syncState: false });
      if (result.aborted) signal!.throwIfAborted();
      // A non-finite loss stops the epoch; weights the last update left non-finite are caught here too.
      const diverged = await divergenceAfter(target, epochStart, epoch, lr, result);
      if (diverged) throw diverged;
      const log: EpochLog = { epoch, lr, loss: result.lossSum / result.samples, seconds: 0 };
      if (train.labels) log.accuracy = result.correct / result.samples;
      if (validationSet) {
        // The loss and accuracy alone: no confusion matrix (classes x classes) every epoch.
        const evaluation = await target.evaluateCheckedAsync(validationSet, false);
        log.valLoss = evaluation.loss;
        if (evaluation.accuracy !== undefined) log.valAccuracy = evaluation.accuracy;
      }
      log.seconds = (performance.now() - started) / 1000;
      history.epochs.push(log);
      if (options.onEpochEnd) {
        trainer.syncState();
        await options.onEpochEnd(log);
      }
      const stop =
        earlyStopping !== null &&
        earlyStopping.observe(epoch, earlyStopping.settings.monitor === 'valLoss' ? log.valLoss! : log.loss, target.params);
      if (checkpoint && (epoch % checkpoint.every === 0 || epoch === options.epochs || stop)) {
        trainer.syncState();
        const progress = { epoch, epochs: options.epochs, rng: rng.state(), history: history.epochs, earlyStopping: earlyStopping?.snapshot() ?? null };
        await writeCheckpoint(checkpoint.path, target, progress, settings);
      }
      if (stop) {
        history.stoppedEarly = epoch < options.epochs;
        break;
      }
    }
    if (earlyStopping?.restore(target.params)) history.restoredEpoch = earlyStopping.bestEpoch;
  } finally {
    trainer.dispose();
  }
  return history;
}

function identityOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
