/**
 * The options of `fit`, named as the CLI names them (camelCase), checked
 * and filled with defaults.
 */
import { OPTIMIZERS, optimizerOp, type OptimizerName } from '../ops/optimizers/index.js';
import type { OptimizerSettings } from '../ops/types.js';
import type { Dataset } from '../data/dataset.js';
import { PREPROCESSINGS, type PreprocessingName } from '../data/preprocess.js';
import {
  describe,
  expectBoolean,
  expectInRange,
  expectKnownKeys,
  expectNonNegativeFinite,
  expectNonNegativeInteger,
  expectObject,
  expectOneOf,
  expectPositiveFinite,
  expectFilePath,
  expectPositiveInteger,
} from '../validate.js';
import type { EarlyStoppingOptions } from './early-stopping.js';
import type { Schedule } from './schedule.js';

/** What each epoch reports. */
export interface EpochLog {
  /** 1-based. */
  epoch: number;
  /** The learning rate used in this epoch. */
  lr: number;
  /** Mean training loss over the epoch's batches (as they trained). */
  loss: number;
  /** Training accuracy over the epoch's batches (classification only). */
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Wall time of the epoch, validation included. */
  seconds: number;
}

export interface FitOptions {
  /** Passes over the data. Default 60. */
  epochs?: number;
  /** Rows per step; the last batch of an epoch may be smaller. Default 32. */
  batchSize?: number;
  /** Default 'adam'. */
  optimizer?: OptimizerName;
  /** Learning rate. Default: the optimizer's (0.002 for adam/adamw, 0.01 for momentum, 0.1 for sgd). */
  lr?: number;
  /** Momentum coefficient for 'momentum'. Default 0.9. */
  momentum?: number;
  /** Nesterov momentum for 'momentum'. Default false. */
  nesterov?: boolean;
  /** Adam's moment decay rates. Defaults 0.9 and 0.999. */
  beta1?: number;
  beta2?: number;
  /** Adam's epsilon. Default 1e-8. */
  epsilon?: number;
  /** L2 weight decay on weights (decoupled for adamw). Default 0 (0.01 for adamw). */
  weightDecay?: number;
  /** A held-out dataset, or a fraction of the training rows to hold out (stratified, seeded). */
  validation?: Dataset | number;
  /** Stop when the monitored loss stops improving: true for the defaults, or settings. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** Learning-rate schedule over epochs. Default 'cosine' (from lr toward 0, every epoch above it). */
  schedule?: Schedule;
  /** Reshuffle the rows every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffle, the validation split and the dropout masks. Default: the network's seed. */
  seed?: number;
  /**
   * Fit an input preprocessing on the training rows and keep it in the
   * network (evaluate and predict apply it too): 'minmax' maps each
   * feature's training range to [0, 1], 'standardize' to mean 0 and
   * standard deviation 1, 'none' removes one. Default: keep the network's
   * (none for a new network).
   */
  preprocess?: PreprocessingName;
  /** Arithmetic threads (native backend; 0 chooses by size). Default 0. */
  threads?: number;
  /**
   * Write a checkpoint (a model file with the optimizer state and where the
   * run stands) to `path` every `every` epochs (default 1) and after the
   * last; written atomically, so a crash leaves the previous one whole.
   */
  checkpoint?: { path: string | URL; every?: number };
  /**
   * A checkpoint file to continue from: its weights, optimizer state,
   * preprocessing and epoch count; the run's settings must be the ones it
   * was written with (epochs may differ).
   */
  resume?: string | URL;
  /** Called after every epoch (awaited when it returns a promise). */
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
  /** Aborts training between batches; fit then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const FIT_OPTION_NAMES = [
  'epochs',
  'batchSize',
  'optimizer',
  'lr',
  'momentum',
  'nesterov',
  'beta1',
  'beta2',
  'epsilon',
  'weightDecay',
  'validation',
  'earlyStopping',
  'schedule',
  'shuffle',
  'seed',
  'threads',
  'preprocess',
  'checkpoint',
  'resume',
  'onEpochEnd',
  'signal',
] as const;

export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerSettings;
  validation: Dataset | number | null;
  earlyStopping: unknown;
  schedule: unknown;
  shuffle: boolean;
  seed: number;
  threads: number;
  /** A preprocessing to fit, or null to keep the network's. */
  preprocess: PreprocessingName | null;
  checkpoint: { path: string; every: number } | null;
  resume: string | null;
  onEpochEnd: ((log: EpochLog) => void | Promise<void>) | null;
  signal: AbortSignal | null;
}

export function resolveFitOptions(value: unknown, networkSeed: number): ResolvedFitOptions {
  const options = expectObject('options', value ?? {});
  expectKnownKeys('options', options, FIT_OPTION_NAMES);
  const kind = expectOneOf('options.optimizer', options.optimizer ?? 'adam', OPTIMIZERS);
  const op = optimizerOp(kind);
  const optimizer: OptimizerSettings = {
    kind,
    momentum: expectInRange('options.momentum', options.momentum ?? 0.9, 0, 1),
    nesterov: expectBoolean('options.nesterov', options.nesterov ?? false),
    beta1: expectInRange('options.beta1', options.beta1 ?? 0.9, 0, 1),
    beta2: expectInRange('options.beta2', options.beta2 ?? 0.999, 0, 1),
    epsilon: expectPositiveFinite('options.epsilon', options.epsilon ?? 1e-8),
    weightDecay: expectNonNegativeFinite('options.weightDecay', options.weightDecay ?? op.defaultWeightDecay),
  };
  if (optimizer.nesterov && !(op.uses as readonly string[]).includes('nesterov')) {
    throw new TypeError(`options.nesterov applies to the "momentum" optimizer, received optimizer "${kind}"`);
  }
  const validation = options.validation ?? null;
  if (typeof validation === 'number') expectInRange('options.validation', validation, Number.MIN_VALUE, 1);
  else if (validation !== null && (typeof validation !== 'object' || Array.isArray(validation))) {
    throw new TypeError(
      `options.validation must be a dataset or a fraction in (0, 1), received ${describe(validation)}`,
    );
  }
  const onEpochEnd = options.onEpochEnd ?? null;
  if (onEpochEnd !== null && typeof onEpochEnd !== 'function') {
    throw new TypeError(`options.onEpochEnd must be a function, received ${describe(onEpochEnd)}`);
  }
  const signal = options.signal ?? null;
  if (signal !== null && !(signal instanceof AbortSignal)) {
    throw new TypeError(`options.signal must be an AbortSignal, received ${describe(signal)}`);
  }
  return {
    epochs: expectPositiveInteger('options.epochs', options.epochs ?? 60),
    batchSize: expectPositiveInteger('options.batchSize', options.batchSize ?? 32),
    lr: expectPositiveFinite('options.lr', options.lr ?? op.defaultLr),
    optimizer,
    validation: validation as Dataset | number | null,
    earlyStopping: options.earlyStopping,
    schedule: options.schedule ?? 'cosine',
    shuffle: expectBoolean('options.shuffle', options.shuffle ?? true),
    seed: expectNonNegativeInteger('options.seed', options.seed ?? networkSeed),
    threads: expectThreads(options.threads ?? 0),
    preprocess: options.preprocess === undefined ? null : expectOneOf('options.preprocess', options.preprocess, PREPROCESSINGS),
    checkpoint: resolveCheckpoint(options.checkpoint),
    resume: options.resume === undefined ? null : expectFilePath('options.resume', options.resume),
    onEpochEnd: onEpochEnd as ResolvedFitOptions['onEpochEnd'],
    signal: signal as AbortSignal | null,
  };
}

/** The most threads a step may be split over (the native trainer's limit). */
export const MAX_THREADS = 64;

function expectThreads(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_THREADS) {
    throw new RangeError(`options.threads must be an integer in [0, ${MAX_THREADS}] (0 chooses by the work), received ${describe(value)}`);
  }
  return value;
}

function resolveCheckpoint(value: unknown): { path: string; every: number } | null {
  if (value === undefined) return null;
  const o = expectObject('options.checkpoint', value);
  expectKnownKeys('options.checkpoint', o, ['path', 'every']);
  return { path: expectFilePath('options.checkpoint.path', o.path), every: expectPositiveInteger('options.checkpoint.every', o.every ?? 1) };
}
