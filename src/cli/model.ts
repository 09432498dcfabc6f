/**
 * A model file as evaluate, predict and info see it: the network, and
 * what the file says about how it was trained (the summary train --save
 * keeps in it), which gives the defaults of the CSV flags.
 */
import { Network } from '../network.js';
import { readModelFile } from '../io/model-io.js';
import { restoreNetwork } from '../io/network-model.js';
import type { DecodedModel, JsonObject } from '../io/model-header.js';
import type { CsvColumn } from '../data/csv.js';
import { outputLayer } from '../plan.js';
import { classifies } from '../ops/defaults.js';
import { TASKS, type CsvFlags, type Task } from './csv-flags.js';

export interface Model {
  path: string;
  network: Network;
  /** The file's parts as read (descent version, training summary, optimizer, checkpoint). */
  parts: DecodedModel;
  /** The CSV settings the model was trained with, when the file says. */
  trainedWith: CsvFlags;
}

export async function loadModel(path: string): Promise<Model> {
  const parts = await readModelFile(path);
  const network = restoreNetwork((options) => new Network(options), parts, {});
  return { path, network, parts, trainedWith: csvSettingsOf(parts.training) };
}

/** The CSV flags a training summary records (train's settings.label, task, delimiter), as far as they are well-formed. */
function csvSettingsOf(training: JsonObject | null): CsvFlags {
  const settings = training?.settings as JsonObject | undefined;
  if (typeof settings !== 'object' || settings === null) return {};
  const flags: CsvFlags = {};
  const { label, task, delimiter } = settings;
  if (Array.isArray(label) && label.length > 0 && label.every((c) => typeof c === 'string' || Number.isInteger(c))) flags.label = label as CsvColumn[];
  if (TASKS.includes(task as Task)) flags.task = task as Task;
  if (typeof delimiter === 'string' && delimiter !== '') flags.delimiter = delimiter;
  return flags;
}

/**
 * Whether the model classifies or regresses: as it was trained when the
 * file says, else a classifier when it has label names or a
 * cross-entropy loss, else a regressor.
 */
export function taskOf(model: Model): Task {
  if (model.trainedWith.task !== undefined) return model.trainedWith.task;
  return classifies(outputLayer(model.network.plan).loss, model.parts.labelNames) ? 'classification' : 'regression';
}

/** A classifier's class names, index by index: its label names, else the indices as text (a single sigmoid unit has 2). */
export function classNames(network: Network): string[] {
  const classes = network.outputs === 1 ? 2 : network.outputs;
  return network.labelNames ?? Array.from({ length: classes }, (_, i) => String(i));
}

/** A regressor's output names: the --label columns it was trained on when they were names, else output0, output1, ... */
export function outputNames(model: Model): string[] {
  const label = model.trainedWith.label;
  const width = model.network.outputs;
  if (label !== undefined && label.length === width && label.every((c) => typeof c === 'string')) return label as string[];
  return Array.from({ length: width }, (_, i) => `output${i}`);
}
