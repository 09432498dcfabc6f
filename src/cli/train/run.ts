/**
 * `descent train`'s work: read the data, split it, build the network, fit
 * it with progress (and --log, --checkpoint, --resume), test it, save it.
 */
import { Network, type NetworkOptions } from '../../network.js';
import type { Dataset } from '../../data/dataset.js';
import { readModelFile } from '../../io/model-io.js';
import { descentVersion } from '../../io/descent-version.js';
import type { JsonObject } from '../../io/model-header.js';
import type { FitOptions } from '../../train/options.js';
import { csvOptionsOf } from '../csv-flags.js';
import { resolveData, type ResolvedData } from '../datasets.js';
import { EpochLogFile } from '../epoch-log.js';
import { InterruptedError } from '../errors.js';
import { abortable, interruptedWords, stopSignalOf, yieldToSignals, type StopSignal } from '../interrupt.js';
import { checkNotInput, checkWritable } from '../files.js';
import { resolve as resolvePath } from 'node:path';
import { createEpochProgress } from '../progress.js';
import { testSplit } from '../split.js';
import { checkNetworkFitsData, validationSplitRows } from './data-checks.js';
import type { TrainFlags, TrainLikeCommand } from './flags.js';
import { trainSettings } from './settings.js';
import { trainSummary, type TrainSummary } from './summary.js';

export interface TrainRun {
  summary: TrainSummary;
  /** The test accuracy of always guessing the test set's largest class (classification), else null. */
  chanceAccuracy: number | null;
}

export async function runTrain(flags: TrainFlags, signal: AbortSignal): Promise<TrainRun> {
  for (const [flag, path] of [['--save', flags.save], ['--checkpoint', flags.checkpoint], ['--log', flags.log]] as const) {
    if (path === undefined) continue;
    // An output written over the input would destroy the data it trains on.
    if (resolvePath(path) === resolvePath(flags.data)) throw new Error(`${flag} ${path} is the --data file: write the output to another path`);
    await checkWritable(flag, path);
  }
  if (flags.log !== undefined) await checkLogApart(flags.log, flags);
  // Reading the data leaves nothing to clean up: a signal stops it at once (a pipe may never send the rest).
  const { train, test } = await abortable(trainAndTestOf(flags), signal, `while reading --data ${flags.data}`);
  const network = new Network(networkOptionsOf(flags));
  const fitOptions: FitOptions = {
    ...stepOptionsOf(flags),
    epochs: flags.epochs,
    schedule: flags.schedule,
    validation: flags.valFraction,
    earlyStopping: flags.earlyStopping === undefined ? undefined : { patience: flags.earlyStopping },
    checkpoint: flags.checkpoint === undefined ? undefined : { path: flags.checkpoint, every: flags.checkpointEvery ?? 1 },
    resume: flags.resume,
    signal,
  };
  const settings = trainSettings(flags, network, fitOptions);
  const resumedAfter = flags.resume === undefined ? null : await checkpointEpoch(flags.resume);
  const rows = { ...validationSplitRows(train, flags.valFraction), test: test.n };
  const log = flags.log === undefined ? null : await EpochLogFile.open(flags.log, resumedAfter);
  const progress = createEpochProgress(flags.epochs, resumedAfter ?? 0);
  let completed = resumedAfter ?? 0;
  fitOptions.onEpochEnd = async (entry) => {
    const report = { ...entry, samplesPerSecond: rows.train / entry.seconds };
    progress.update(report);
    await log?.append(report);
    completed = entry.epoch;
    await yieldToSignals();
  };
  const started = performance.now();
  let history;
  try {
    history = await network.fit(train, fitOptions);
  } catch (error) {
    if (signal.aborted) throw interrupted(flags, completed, resumedAfter, stopSignalOf(signal));
    throw error;
  } finally {
    progress.stop();
    await log?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = trainSummary(settings, {
    descent: descentVersion(),
    backend: network.backend.name,
    history,
    resumedAfter,
    seconds,
    rows,
    test: network.evaluate(test),
    files: { save: flags.save ?? null, checkpoint: flags.checkpoint ?? null, log: flags.log ?? null },
  });
  if (flags.save !== undefined) await network.save(flags.save, { training: summary as unknown as JsonObject });
  return { summary, chanceAccuracy: chanceAccuracyOf(test) };
}

/**
 * The log is appended to (and rewritten on a resume): it must not be a
 * file another flag names, under any spelling or through a link. A
 * character device or FIFO (/dev/null) is not a file it could destroy.
 */
async function checkLogApart(log: string, flags: TrainFlags): Promise<void> {
  for (const [flag, path] of [['--resume', flags.resume], ['--checkpoint', flags.checkpoint], ['--save', flags.save]] as const) {
    if (path !== undefined) await checkNotInput('--log', log, flag, path, 'the log would destroy it: give --log a file of its own');
  }
}

/** The largest class's share of the rows: what a constant guess scores (null without classes). */
function chanceAccuracyOf(data: Dataset): number | null {
  if (data.classes === undefined || data.n === 0) return null;
  const counts = new Array<number>(data.classes).fill(0);
  for (let r = 0; r < data.n; r++) counts[data.y[r]]++;
  return Math.max(...counts) / data.n;
}

/** The network the flags describe. */
export function networkOptionsOf(flags: TrainFlags): NetworkOptions {
  const { layers, activation, output, loss, dropout, init, seed, backend } = flags;
  return { layers, activation, output, loss, dropout, init, seed, backend };
}

/** The settings of a training step the flags name (what `fit` and `diagnose` share). */
export function stepOptionsOf(flags: TrainFlags) {
  const { batchSize, optimizer, lr, momentum, nesterov, weightDecay, seed, threads, preprocess } = flags;
  return { batchSize, optimizer, lr, momentum, nesterov, weightDecay, seed, threads, preprocess };
}

/** The data the flags name, checked against the network's sizes, and its train / test split. */
export async function trainAndTestOf(flags: TrainFlags, command: TrainLikeCommand = 'train'): Promise<{ train: Dataset; test: Dataset }> {
  const data = await resolveData(flags.data, csvOptionsOf(flags));
  checkNetworkFitsData(flags, data.train, command);
  return splitOf(data, flags);
}

function splitOf(data: ResolvedData, flags: TrainFlags): { train: Dataset; test: Dataset } {
  if (data.split === 'given') return { train: data.train, test: data.test! };
  return testSplit(data.train, flags.testFraction, flags.seed);
}

/** The epoch a checkpoint stands at (0 when it is not one: fit then says why it cannot resume from it). */
async function checkpointEpoch(path: string): Promise<number> {
  const epoch = (await readModelFile(path)).checkpoint?.epoch;
  return typeof epoch === 'number' ? epoch : 0;
}

function interrupted(flags: TrainFlags, completed: number, resumedAfter: number | null, by: StopSignal): InterruptedError {
  const where = `${interruptedWords(by)} in epoch ${completed + 1} of ${flags.epochs}`;
  if (flags.checkpoint === undefined) return new InterruptedError(`${where} (with --checkpoint FILE a run can be continued)`, by);
  const every = flags.checkpointEvery ?? 1;
  const saved = Math.max(completed - (completed % every), flags.resume === flags.checkpoint ? (resumedAfter ?? 0) : 0);
  if (saved === 0) return new InterruptedError(`${where}, before its first checkpoint`, by);
  return new InterruptedError(`${where}; ${flags.checkpoint} holds epoch ${saved}: continue with --resume ${flags.checkpoint} and the same flags`, by);
}
