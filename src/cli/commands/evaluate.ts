/** `descent evaluate`: a saved model against labelled data. */
import { Command } from 'commander';
import type { Dataset } from '../../data/dataset.js';
import type { Evaluation } from '../../train/metrics.js';
import { addCsvFlags, checkCsvFlags, csvOptionsOf, type CsvFlags } from '../csv-flags.js';
import { dataKind, hasOwnTestSet, resolveData } from '../datasets.js';
import { UsageError } from '../errors.js';
import { classNames, loadModel, taskOf, type Model } from '../model.js';
import { printJson, printLines } from '../output.js';
import { parseFraction, parseInteger } from '../parsers.js';
import { evaluationLines } from '../evaluation-text.js';
import { testSplit } from '../split.js';

interface EvaluateFlags extends CsvFlags {
  model: string;
  data: string;
  testFraction?: number;
  seed: number;
  json: boolean;
  verbose?: boolean;
}

const HELP = `
--data is read as by descent train: for fashion-mnist and idx:DIR the test set is evaluated; digits
and CSV files are evaluated whole, or only the part a train run with the same --test-fraction and
--seed held out. CSV labels must be among the model's; --label, --task and --delimiter default to
what the model was trained with.

Classifiers: loss, accuracy, per-class precision, recall, F1 and support, the confusion matrix (for
more than 1,024 classes it is not printed; --json lists its non-zero cells as confusionCells).
Regression: loss, MAE, RMSE and R².

Examples:
  $ descent evaluate --model iris.model --data iris-test.csv
  $ descent evaluate --model digits.model --data digits --test-fraction 0.2 --seed 0 --json
  $ descent evaluate --model fashion.model --data fashion-mnist
`;

export function evaluateCommand(): Command {
  const command = new Command('evaluate')
    .description('evaluate a saved model: loss, accuracy, per-class precision, recall and F1, confusion matrix (MAE, RMSE, R² for regression)')
    .requiredOption('--model <file>', 'a model file written by descent train --save (or net.save)')
    .requiredOption('--data <source>', 'digits, fashion-mnist, idx:DIR or the path of a CSV file');
  addCsvFlags(command, 'model')
    .option('--test-fraction <f>', 'digits and CSV: evaluate only the test part of the split train makes with this --test-fraction and --seed', parseFraction('--test-fraction'))
    .option('--seed <n>', 'the seed of that split', parseInteger('--seed', 0), 0)
    .option('--json', 'print the result as one JSON object on the last line of stdout', false)
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText('after', HELP)
    .action(async (flags: EvaluateFlags) => {
      checkCsvFlags('evaluate', flags.data, flags);
      if (flags.testFraction !== undefined && hasOwnTestSet(flags.data)) {
        throw new UsageError(`--test-fraction does not apply to --data ${flags.data}: its own test set is evaluated`, 'evaluate');
      }
      const model = await loadModel(flags.model);
      const { data, task, labels } = await evaluationData(model, flags);
      const evaluation = withLabels(model.network.evaluate(data), labels);
      const result = {
        command: 'evaluate' as const,
        model: flags.model,
        data: flags.data,
        testFraction: flags.testFraction ?? null,
        seed: flags.testFraction === undefined ? null : flags.seed,
        task,
        ...evaluation,
      };
      await (flags.json ? printJson(result) : printLines([`model ${flags.model}, data ${flags.data}: ${data.n} rows`, ...evaluationLines(evaluation, labels)]));
    });
  return command;
}

/** The rows to evaluate, read as the model needs them (its labels, its task), checked against its inputs and outputs. */
async function evaluationData(model: Model, flags: EvaluateFlags): Promise<{ data: Dataset; task: string; labels: string[] | null }> {
  const { network } = model;
  const csv = dataKind(flags.data) === 'csv';
  const task = flags.task ?? (csv ? taskOf(model) : 'classification');
  const modelTask = taskOf(model);
  if (task !== modelTask) {
    throw new Error(`--data ${flags.data} is read for ${task}, but the model ${model.path} was trained for ${modelTask}`);
  }
  const labels = task === 'classification' ? classNames(network) : null;
  const csvFlags: CsvFlags = {
    task,
    label: flags.label ?? model.trainedWith.label,
    delimiter: flags.delimiter ?? model.trainedWith.delimiter,
  };
  const resolved = await resolveData(flags.data, csv ? csvOptionsOf(csvFlags, labels ?? undefined) : {});
  let data = resolved.split === 'given' ? resolved.test! : resolved.train;
  if (flags.testFraction !== undefined) data = testSplit(data, flags.testFraction, flags.seed).test;
  if (data.features !== network.inputs) {
    throw new Error(`--data ${flags.data} has ${data.features} features per row, but the model ${model.path} takes ${network.inputs} inputs`);
  }
  if (labels !== null && data.classes !== labels.length) {
    // Datasets without names (digits, idx:DIR) count the classes their labels reach.
    if (data.classes! > labels.length) {
      throw new Error(`--data ${flags.data} has labels up to ${data.classes! - 1}, but the model ${model.path} has ${labels.length} classes`);
    }
    data = { ...data, classes: labels.length };
  }
  if (labels === null && data.y.length !== data.n * network.outputs) {
    throw new Error(`--data ${flags.data} has ${data.y.length / data.n} target columns, but the model ${model.path} has ${network.outputs} outputs`);
  }
  return { data, task, labels };
}

/** The evaluation with per-class scores under the class names. */
function withLabels(evaluation: Evaluation, labels: string[] | null): Evaluation & { labels?: string[] } {
  if (labels === null || evaluation.perClass === undefined) return evaluation;
  return { ...evaluation, labels, perClass: evaluation.perClass.map((scores, c) => ({ ...scores, label: labels[c] })) };
}
