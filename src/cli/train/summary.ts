/**
 * What a training run reports (--json, the text summary) and what --save
 * keeps in the model file: every setting the run used, resolved to the
 * values it trained with, and the results; `repeat` is the command line
 * that runs it again.
 */
import type { CsvColumn } from '../../data/csv.js';
import type { Evaluation } from '../../train/metrics.js';
import type { History } from '../../train/fit.js';
import type { Task } from '../csv-flags.js';
import { percent } from '../text.js';

export interface TrainSettings {
  data: string;
  /** CSV: the label columns as given (null: the last column). */
  label: CsvColumn[] | null;
  task: Task;
  /** CSV only, else null. */
  delimiter: string | null;
  /** 'fraction': split from the data by testFraction (stratified, seeded by seed); 'given': the data's own test set. */
  testSplit: 'fraction' | 'given';
  testFraction: number | null;
  layers: number[];
  activation: string;
  output: string;
  loss: string;
  dropout: number;
  init: string;
  optimizer: string;
  lr: number;
  /** The optimizer's own settings, where they apply (momentum: momentum, nesterov; adam, adamw: beta1, beta2, epsilon). */
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay: number;
  schedule: string;
  batchSize: number;
  epochs: number;
  valFraction: number | null;
  /** Patience in epochs, or null. */
  earlyStopping: number | null;
  preprocess: string;
  seed: number;
  /** As asked for (auto, js, native); the summary's backend says which ran. */
  backend: string;
  threads: number;
  /** The checkpoint this run continued, or null. */
  resume: string | null;
}

export interface TrainSummary {
  command: 'train';
  descent: string;
  settings: TrainSettings;
  /** A command line that runs this training again (straight through, even when this run resumed). */
  repeat: string;
  backend: string;
  /** Epochs trained in all (a resumed run counts the checkpoint's). */
  epochs: number;
  /** The epoch a resumed run started after, or null. */
  resumedAfter: number | null;
  stoppedEarly: boolean;
  /** The epoch whose weights early stopping put back, or null. */
  restoredEpoch: number | null;
  /** Wall time of this process's training. */
  seconds: number;
  samplesPerSecond: number;
  trainRows: number;
  validationRows: number;
  testRows: number;
  trainLoss: number;
  trainAccuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  testLoss: number;
  testAccuracy?: number;
  testMae?: number;
  testRmse?: number;
  testR2?: number;
  files: { save: string | null; checkpoint: string | null; log: string | null };
}

export interface RunResults {
  descent: string;
  backend: string;
  history: History;
  resumedAfter: number | null;
  seconds: number;
  rows: { train: number; validation: number; test: number };
  test: Evaluation;
  files: TrainSummary['files'];
}

export function trainSummary(settings: TrainSettings, run: RunResults): TrainSummary {
  const epochs = run.history.epochs;
  const last = epochs[epochs.length - 1];
  const ranHere = epochs.slice(run.resumedAfter ?? 0);
  const trainingSeconds = ranHere.reduce((sum, e) => sum + e.seconds, 0);
  const optional = <T>(value: T | undefined, key: string) => (value === undefined ? {} : { [key]: value });
  return {
    command: 'train',
    descent: run.descent,
    settings,
    repeat: repeatCommand(settings, run.backend),
    backend: run.backend,
    epochs: epochs.length,
    resumedAfter: run.resumedAfter,
    stoppedEarly: run.history.stoppedEarly,
    restoredEpoch: run.history.restoredEpoch,
    seconds: run.seconds,
    samplesPerSecond: trainingSeconds > 0 ? (run.rows.train * ranHere.length) / trainingSeconds : 0,
    trainRows: run.rows.train,
    validationRows: run.rows.validation,
    testRows: run.rows.test,
    trainLoss: last.loss,
    ...optional(last.accuracy, 'trainAccuracy'),
    ...optional(last.valLoss, 'valLoss'),
    ...optional(last.valAccuracy, 'valAccuracy'),
    testLoss: run.test.loss,
    ...optional(run.test.accuracy, 'testAccuracy'),
    ...optional(run.test.mae, 'testMae'),
    ...optional(run.test.rmse, 'testRmse'),
    ...optional(run.test.r2, 'testR2'),
    files: run.files,
  };
}

/** The flags that give these settings, quoted for a POSIX shell. */
export function repeatCommand(s: TrainSettings, backend: string): string {
  const args: (string | number)[] = ['descent', 'train', '--data', s.data];
  if (s.label !== null) args.push('--label', s.label.join(','));
  if (s.task !== 'classification') args.push('--task', s.task);
  if (s.delimiter !== null && s.delimiter !== ',') args.push('--delimiter', s.delimiter === '\t' ? 'tab' : s.delimiter);
  if (s.testFraction !== null) args.push('--test-fraction', s.testFraction);
  args.push('--layers', s.layers.join(','), '--activation', s.activation, '--output', s.output, '--loss', s.loss);
  args.push('--dropout', s.dropout, '--init', s.init, '--optimizer', s.optimizer, '--lr', s.lr);
  if (s.momentum !== undefined) args.push('--momentum', s.momentum);
  if (s.nesterov) args.push('--nesterov');
  args.push('--weight-decay', s.weightDecay, '--schedule', s.schedule, '--batch-size', s.batchSize, '--epochs', s.epochs);
  if (s.valFraction !== null) args.push('--val-fraction', s.valFraction);
  if (s.earlyStopping !== null) args.push('--early-stopping', s.earlyStopping);
  args.push('--preprocess', s.preprocess, '--seed', s.seed, '--backend', backend);
  return args.map((arg) => shellWord(String(arg))).join(' ');
}

function shellWord(word: string): string {
  return /^[\w./:,+=@%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The summary for a reader: what ran, how it trained, how it tests. */
export function summaryLines(s: TrainSummary): string[] {
  const resumed = s.resumedAfter === null ? '' : ` (resumed after epoch ${s.resumedAfter})`;
  const lines = [
    `data ${s.settings.data}, layers ${s.settings.layers.join('-')}, backend ${s.backend}, ${s.epochs} epochs${resumed} in ${s.seconds.toFixed(2)} s (${Math.round(s.samplesPerSecond)} samples/s)`,
  ];
  lines.push(`train loss ${s.trainLoss.toFixed(4)}${s.trainAccuracy === undefined ? '' : `, train accuracy ${percent(s.trainAccuracy)}`}`);
  if (s.valLoss !== undefined) {
    lines.push(`validation loss ${s.valLoss.toFixed(4)}${s.valAccuracy === undefined ? '' : `, validation accuracy ${percent(s.valAccuracy)}`}`);
  }
  if (s.stoppedEarly) lines.push(`stopped early after epoch ${s.epochs}`);
  if (s.restoredEpoch !== null) lines.push(`kept the weights of epoch ${s.restoredEpoch}, the best`);
  const test = [`test loss ${s.testLoss.toFixed(4)}`];
  if (s.testAccuracy !== undefined) test.push(`test accuracy ${percent(s.testAccuracy)}`);
  if (s.testMae !== undefined) test.push(`MAE ${s.testMae.toPrecision(4)}, RMSE ${s.testRmse!.toPrecision(4)}, R² ${s.testR2!.toFixed(4)}`);
  lines.push(`${test.join(', ')} (${s.testRows} rows)`);
  if (s.files.save !== null) lines.push(`saved the model to ${s.files.save}`);
  return lines;
}
