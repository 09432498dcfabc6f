/**
 * The CSV flags train, evaluate and predict share (--label, --task,
 * --delimiter), and the checks that they fit the --data they came with.
 */
import { Option, type Command } from 'commander';
import type { CsvColumn, CsvOptions } from '../data/csv.js';
import { dataKind } from './datasets.js';
import { UsageError } from './errors.js';
import { parseColumns, parseDelimiter } from './parsers.js';

export type Task = 'classification' | 'regression';
export const TASKS = ['classification', 'regression'] as const;

export interface CsvFlags {
  label?: CsvColumn[];
  task?: Task;
  delimiter?: string;
}

/** Adds the flags; `defaults` says what applies when one is not given: train's own, or what the model was trained with. */
export function addCsvFlags(command: Command, defaults: 'train' | 'model'): Command {
  return command
    .option(
      '--label <columns>',
      `CSV: the label column by header name or 0-based index, or a comma list of target columns for --task regression (default: ${defaults === 'model' ? 'as the model was trained' : 'the last column'})`,
      parseColumns,
    )
    .addOption(
      new Option('--task <task>', `CSV: what the label column holds (default: ${defaults === 'model' ? 'as the model was trained' : 'classification'})`).choices(TASKS),
    )
    .option(
      '--delimiter <char>',
      `CSV: the cell separator, "tab" for a tab (default: ${defaults === 'model' ? 'as the model was trained, else ","' : '","'})`,
      parseDelimiter,
    );
}

/** Refuses CSV flags with data that is not a CSV file, and several label columns for classification. */
export function checkCsvFlags(command: string, data: string, flags: CsvFlags): void {
  if (dataKind(data) !== 'csv') {
    if (flags.label !== undefined) throw new UsageError(`--label applies to CSV files; --data ${data} has its own labels`, command);
    if (flags.delimiter !== undefined) throw new UsageError(`--delimiter applies to CSV files, not to --data ${data}`, command);
    if (flags.task === 'regression') {
      throw new UsageError(`--task regression needs a CSV file with numeric target columns; --data ${data} is a classification dataset`, command);
    }
  }
  if (flags.label !== undefined && flags.label.length > 1 && flags.task !== 'regression') {
    throw new UsageError(`--label lists ${flags.label.length} columns; classification takes one label column (several are the targets of --task regression)`, command);
  }
}

/** loadCsv's options from the flags (header detected as loadCsv does: a first row with a non-number is one). */
export function csvOptionsOf(flags: CsvFlags, labelNames?: string[]): CsvOptions {
  const options: CsvOptions = { task: flags.task ?? 'classification' };
  if (flags.label !== undefined) options.label = flags.label.length === 1 ? flags.label[0] : flags.label;
  if (flags.delimiter !== undefined) options.delimiter = flags.delimiter;
  if (labelNames !== undefined) options.labelNames = labelNames;
  return options;
}
