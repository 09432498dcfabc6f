/** `descent predict`: a saved model's predictions for rows of a CSV file or IDX images, as CSV. */
import { Command } from 'commander';
import { fstatSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { predictedClass } from '../../ops/activations/apply.js';
import type { CsvColumn } from '../../data/csv.js';
import { CsvFeatureCountError } from '../../data/csv-rows.js';
import { InterruptedError, UsageError } from '../errors.js';
import { interruptedWords, interruptible, stopSignalOf, untilAborted } from '../interrupt.js';
import { checkNotInput } from '../files.js';
import { classNames, loadModel, outputNames, taskOf, type Model } from '../model.js';
import { printJson, printLines } from '../output.js';
import { parseColumns, parseDelimiter } from '../parsers.js';
import { inputKind, inputRows } from '../predict-rows.js';
import { atomicFileSink, stdoutSink, type TextSink } from '../sink.js';
import { csvCell, float32Text } from '../text.js';

interface PredictFlags {
  model: string;
  input: string;
  output?: string;
  label?: CsvColumn[];
  delimiter?: string;
  json: boolean;
  verbose?: boolean;
}

const HELP = `
Input: a CSV file of feature columns (header or not, told apart as train does: a first row with a
non-number is a header), optionally with label columns that --label names to skip; or IDX images
(MNIST format). Either may be gzipped; they are told apart by their first bytes (an IDX file starts
with a NUL byte, a CSV file never does). Rows are read, predicted and written a chunk at a time,
so inputs of any length run in bounded memory.

Output: CSV. Classifiers: a header label,<class 0>,<class 1>,... (the model's label names when it
has them) and per row the predicted label and each class's probability. Regression: a header of the
target names and per row the predicted values. Without --output it goes to stdout; --output FILE is
replaced only when complete (a failure, Ctrl-C, SIGTERM or SIGHUP leaves it as it was). A character
device or FIFO (/dev/null, a named pipe) is written in place, as it goes.

Examples:
  $ descent predict --model iris.model --input new-flowers.csv > predictions.csv
  $ descent predict --model iris.model --input iris-test.csv --label species --output predictions.csv
  $ descent predict --model fashion.model --input t10k-images-idx3-ubyte.gz | head
`;

export function predictCommand(): Command {
  return new Command('predict')
    .description('predict with a saved model: rows of a CSV file or IDX images in, CSV out')
    .requiredOption('--model <file>', 'a model file written by descent train --save (or net.save)')
    .requiredOption('--input <file>', 'a CSV file of features, or IDX images')
    .option('--output <file>', 'write the CSV here, atomically (default: stdout)')
    .option('--label <columns>', 'CSV: label columns in the input to skip, by header name or 0-based index, comma-separated', parseColumns)
    .option('--delimiter <char>', 'CSV: the cell separator, "tab" for a tab (default: as the model was trained, else ",")', parseDelimiter)
    .option('--json', 'end stdout with one JSON object: rows predicted, columns, files', false)
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText('after', HELP)
    .action(async (flags: PredictFlags) => {
      const kind = await inputKind(flags.input);
      if (kind === 'idx') {
        for (const flag of ['label', 'delimiter'] as const) {
          if (flags[flag] !== undefined) throw new UsageError(`--${flag} applies to CSV input; ${flags.input} holds IDX images`, 'predict');
        }
      }
      if (flags.output !== undefined) {
        await checkNotInput('--output', flags.output, '--input', flags.input);
        await checkNotInput('--output', flags.output, '--model', flags.model);
      }
      const model = await loadModel(flags.model);
      const format = formatterOf(model);
      let rows = 0;
      await interruptible(async (signal) => {
        // Inside: a signal while the temp file exists stops here, and abort removes it.
        const sink = flags.output === undefined ? stdoutSink : await atomicFileSink('--output', flags.output);
        try {
          const input = inputRows(flags.input, kind, {
            features: model.network.inputs,
            featuresOf: `the inputs of model ${flags.model}`,
            label: flags.label,
            delimiter: flags.delimiter ?? model.trainedWith.delimiter,
          });
          // The header goes out with the first chunk: input that fails on its first rows writes nothing.
          let header = `${format.header.map(csvCell).join(',')}\n`;
          for await (const chunk of untilAborted(input, signal)) {
            if (signal.aborted) break;
            await sink.write(header + format.rows(model.network.predict(chunk.x), chunk.count));
            header = '';
            rows += chunk.count;
          }
          if (signal.aborted) {
            const by = stopSignalOf(signal);
            const left = flags.output === undefined ? '' : sink.inPlace ? `; those rows went to ${flags.output}` : `; ${flags.output} left as it was`;
            throw new InterruptedError(`${interruptedWords(by)} after ${rows} rows${left}`, by);
          }
          await sink.commit();
        } catch (error) {
          await sink.abort();
          throw withLabelHint(error, flags);
        }
      });
      const summary = { command: 'predict' as const, model: flags.model, input: flags.input, output: flags.output ?? null, rows, task: format.task, columns: format.header };
      if (flags.json) await printJson(summary);
      // Not when --output is stdout itself (/dev/stdout): the line would end the CSV.
      else if (flags.output !== undefined && !(await isStdout(flags.output))) await printLines([`predicted ${rows} rows of ${flags.input} into ${flags.output}`]);
    });
}

/** Whether path is the file stdout writes to (the same device and inode). */
async function isStdout(path: string): Promise<boolean> {
  const output = await stat(path).catch(() => null);
  if (output === null) return false;
  try {
    const stdout = fstatSync(1);
    return output.dev === stdout.dev && output.ino === stdout.ino;
  } catch {
    return false;
  }
}

interface Formatter {
  task: 'classification' | 'regression';
  header: string[];
  /** count rows of outputs as CSV lines. */
  rows(outputs: Float32Array, count: number): string;
}

function formatterOf(model: Model): Formatter {
  const width = model.network.outputs;
  if (taskOf(model) === 'regression') {
    return {
      task: 'regression',
      header: outputNames(model),
      rows: (outputs, count) => {
        let text = '';
        for (let r = 0; r < count; r++) text += `${Array.from(outputs.subarray(r * width, (r + 1) * width), float32Text).join(',')}\n`;
        return text;
      },
    };
  }
  const names = classNames(model.network);
  const cells = names.map(csvCell);
  return {
    task: 'classification',
    header: ['label', ...names],
    rows: (outputs, count) => {
      let text = '';
      for (let r = 0; r < count; r++) {
        const row = outputs.subarray(r * width, (r + 1) * width);
        // A single sigmoid unit is the probability of class 1.
        const probabilities = width === 1 ? [Math.fround(1 - row[0]), row[0]] : Array.from(row);
        text += `${cells[predictedClass(outputs, r * width, width)]},${probabilities.map(float32Text).join(',')}\n`;
      }
      return text;
    },
  };
}

/** A row one or more cells too long, without --label: most likely the label column, so say how to skip it. */
function withLabelHint(error: unknown, flags: PredictFlags): unknown {
  if (!(error instanceof CsvFeatureCountError) || flags.label !== undefined || error.received <= error.expected) return error;
  return new CsvFeatureCountError(`${error.message}; to skip label columns pass --label`, error.file, error.line!, error.expected, error.received);
}
