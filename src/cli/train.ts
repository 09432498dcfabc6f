/**
 * `descent train`: train a network on a dataset, report progress, test it
 * on a held-out split. Uses only the public API.
 */
import { Network } from '../network.js';
import { trainTestSplit } from '../data/split.js';
import type { FitOptions } from '../train/options.js';
import type { BackendChoice } from '../backend/select.js';
import type { HiddenActivation, InitName, LossName, OptimizerName, OutputActivation } from '../spec.js';
import { loadNamedDataset } from './datasets.js';
import { createEpochProgress } from './progress.js';

export interface TrainCommandOptions {
  data: string;
  layers: number[];
  activation: HiddenActivation;
  output: OutputActivation;
  dropout: number;
  loss?: LossName;
  init?: InitName;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  epochs: number;
  batchSize: number;
  schedule: 'constant' | 'step' | 'cosine';
  seed: number;
  testFraction: number;
  backend: BackendChoice;
  threads: number;
  json: boolean;
}

export interface TrainSummary {
  data: string;
  backend: string;
  layers: number[];
  epochs: number;
  seconds: number;
  trainLoss: number;
  trainAccuracy?: number;
  testLoss: number;
  testAccuracy?: number;
  samplesPerSecond: number;
  seed: number;
}

export async function trainCommand(options: TrainCommandOptions, signal?: AbortSignal): Promise<TrainSummary> {
  const dataset = loadNamedDataset(options.data);
  const { train, test } = trainTestSplit(dataset, { testFraction: options.testFraction, seed: options.seed });
  const network = new Network({
    layers: options.layers,
    activation: options.activation,
    output: options.output,
    loss: options.loss,
    dropout: options.dropout,
    init: options.init,
    seed: options.seed,
    backend: options.backend,
  });
  const progress = createEpochProgress(options.epochs);
  const fitOptions: FitOptions = {
    epochs: options.epochs,
    batchSize: options.batchSize,
    optimizer: options.optimizer,
    lr: options.lr,
    momentum: options.momentum,
    nesterov: options.nesterov,
    weightDecay: options.weightDecay,
    schedule: options.schedule,
    seed: options.seed,
    threads: options.threads,
    onEpochEnd: (log) => progress.update(log),
    signal,
  };
  const started = performance.now();
  let history;
  try {
    history = await network.fit(train, fitOptions);
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const last = history.epochs[history.epochs.length - 1];
  const evaluation = network.evaluate(test);
  const trainingSeconds = history.epochs.reduce((sum, e) => sum + e.seconds, 0);
  return {
    data: options.data,
    backend: network.backend.name,
    layers: [...network.layers],
    epochs: history.epochs.length,
    seconds,
    trainLoss: last.loss,
    trainAccuracy: last.accuracy,
    testLoss: evaluation.loss,
    testAccuracy: evaluation.accuracy,
    samplesPerSecond: (train.n * history.epochs.length) / trainingSeconds,
    seed: options.seed,
  };
}
