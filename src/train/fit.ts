/**
 * The training loop. TypeScript owns the epochs, the shuffled order, the
 * schedule, validation, early stopping and callbacks; a backend's trainer
 * runs each epoch's batches in one call.
 */
import type { Backend, ModelShape } from '../backend/types.js';
import { checkDataset, type CheckedData, type Dataset } from '../data/dataset.js';
import { trainTestSplit } from '../data/split.js';
import { Rng, shuffledIndices } from '../rng.js';
import { EarlyStopping, resolveEarlyStopping } from './early-stopping.js';
import { TrainingDivergedError } from './errors.js';
import type { Evaluation } from './metrics.js';
import { resolveFitOptions, type EpochLog } from './options.js';
import { resolveSchedule } from './schedule.js';

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
  readonly params: Float32Array;
  readonly shape: ModelShape;
  readonly seed: number;
  readonly backend: Backend;
  evaluateChecked(data: CheckedData): Evaluation;
}

export async function fit(target: FitTarget, data: Dataset, rawOptions: unknown): Promise<History> {
  const options = resolveFitOptions(rawOptions, target.seed);
  const { sizes } = target.shape;
  const features = sizes[0];
  const outputs = sizes[sizes.length - 1];
  checkDataset('data', data, features, outputs);
  if (target.shape.loss === 'cross-entropy' && data.classes === undefined) {
    throw new TypeError('data.classes must be set for the cross-entropy loss (its y are class indices)');
  }

  let trainSet = data;
  let validationSet: CheckedData | null = null;
  if (typeof options.validation === 'number') {
    const split = trainTestSplit(data, { testFraction: options.validation, seed: options.seed });
    trainSet = split.train;
    validationSet = checkDataset('options.validation', split.test, features, outputs);
  } else if (options.validation !== null) {
    validationSet = checkDataset('options.validation', options.validation, features, outputs);
  }
  const train = checkDataset('data', trainSet, features, outputs);
  const lrAt = resolveSchedule(options.schedule, options.lr, options.epochs);
  const earlyStoppingSettings = resolveEarlyStopping(options.earlyStopping, validationSet !== null);
  const earlyStopping = earlyStoppingSettings ? new EarlyStopping(earlyStoppingSettings) : null;

  const batchSize = Math.min(options.batchSize, train.n);
  const trainer = target.backend.createTrainer(
    target.params,
    { x: train.x, xScale: train.xScale, n: train.n, labels: train.labels, targets: train.targets },
    { shape: target.shape, optimizer: options.optimizer, batchSize, threads: options.threads },
  );
  const rng = new Rng(options.seed);
  const inOrder = identityOrder(train.n);
  const epochStart = new Float32Array(target.params.length);
  const history: History = { epochs: [], stoppedEarly: false, restoredEpoch: null };
  const { signal } = options;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      signal?.throwIfAborted();
      const started = performance.now();
      const lr = lrAt(epoch);
      const order = options.shuffle ? shuffledIndices(train.n, rng) : inOrder;
      epochStart.set(target.params);
      const result = await trainer.trainEpoch({ order, batchSize, lr, signal: signal ?? undefined });
      if (result.aborted) signal!.throwIfAborted();
      if (result.failedBatch >= 0) {
        const restored = !allFinite(target.params);
        if (restored) target.params.set(epochStart);
        throw new TrainingDivergedError(epoch, result.failedBatch, result.failedLoss, lr, restored);
      }
      const log: EpochLog = { epoch, lr, loss: result.lossSum / result.samples, seconds: 0 };
      if (train.labels) log.accuracy = result.correct / result.samples;
      if (validationSet) {
        const evaluation = target.evaluateChecked(validationSet);
        log.valLoss = evaluation.loss;
        if (evaluation.accuracy !== undefined) log.valAccuracy = evaluation.accuracy;
      }
      log.seconds = (performance.now() - started) / 1000;
      history.epochs.push(log);
      if (options.onEpochEnd) await options.onEpochEnd(log);
      if (earlyStopping) {
        const monitored = earlyStopping.settings.monitor === 'valLoss' ? log.valLoss! : log.loss;
        if (earlyStopping.observe(epoch, monitored, target.params)) {
          history.stoppedEarly = epoch < options.epochs;
          break;
        }
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

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
