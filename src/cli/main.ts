#!/usr/bin/env node
/**
 * The descent command line. Parses flags, calls the public API, prints
 * progress on stderr and results on stdout (one JSON line with --json).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { HIDDEN_ACTIVATIONS, INITS, LOSSES, OPTIMIZERS, OUTPUT_ACTIVATIONS } from '../spec.js';
import { trainCommand, type TrainCommandOptions, type TrainSummary } from './train.js';

function parseInteger(flag: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${flag} expects an integer of at least ${min}, received "${value}"`);
    }
    return n;
  };
}

function parseNumber(flag: string, check: (n: number) => boolean, expected: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) {
      throw new InvalidArgumentError(`${flag} expects ${expected}, received "${value}"`);
    }
    return n;
  };
}

function parseLayers(value: string): number[] {
  const sizes = value.split(',').map((part) => Number(part.trim()));
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(
      `--layers expects at least two comma-separated positive integers such as 64,128,10, received "${value}"`,
    );
  }
  return sizes;
}

function printSummary(summary: TrainSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(2)}%`);
  process.stdout.write(
    [
      `data ${summary.data}, layers ${summary.layers.join('-')}, backend ${summary.backend}, ${summary.epochs} epochs in ${summary.seconds.toFixed(2)} s (${Math.round(summary.samplesPerSecond)} samples/s)`,
      `train loss ${summary.trainLoss.toFixed(4)}, train accuracy ${pct(summary.trainAccuracy)}`,
      `test loss ${summary.testLoss.toFixed(4)}, test accuracy ${pct(summary.testAccuracy)}`,
    ].join('\n') + '\n',
  );
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('descent')
    .description('Train dense neural networks from Node.js, on native OpenBLAS kernels or the TypeScript reference.')
    .showHelpAfterError();

  program
    .command('train')
    .description('train a network, show per-epoch progress, report test loss and accuracy')
    .requiredOption('--data <name>', 'dataset: digits (the 8x8 digits shipped with descent)')
    .option('--layers <sizes>', 'layer sizes, inputs first', parseLayers, [64, 128, 10])
    .addOption(new Option('--activation <name>', 'hidden activation').choices(HIDDEN_ACTIVATIONS).default('relu'))
    .addOption(new Option('--output <name>', 'output activation').choices(OUTPUT_ACTIVATIONS).default('softmax'))
    .option('--dropout <rate>', 'dropout after every hidden activation (0 for none)', parseNumber('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), 0)
    .addOption(new Option('--loss <name>', 'loss (default: the one that fits --output)').choices(LOSSES))
    .addOption(new Option('--init <name>', 'initialisation (default: he for relu-like, glorot otherwise)').choices(INITS))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('adam'))
    .option('--lr <rate>', 'learning rate (default: 0.002 adam/adamw, 0.01 momentum, 0.1 sgd)', parseNumber('--lr', (n) => n > 0, 'a positive number'))
    .option('--momentum <mu>', 'momentum coefficient (momentum optimizer)', parseNumber('--momentum', (n) => n >= 0 && n < 1, 'a number in [0, 1)'))
    .option('--nesterov', 'Nesterov momentum (momentum optimizer)')
    .option('--weight-decay <rate>', 'L2 weight decay (decoupled for adamw)', parseNumber('--weight-decay', (n) => n >= 0, 'a non-negative number'))
    .option('--epochs <n>', 'passes over the training data', parseInteger('--epochs', 1), 60)
    .option('--batch-size <n>', 'rows per step', parseInteger('--batch-size', 1), 32)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(['constant', 'step', 'cosine']).default('cosine'))
    .option('--seed <n>', 'seed of weights, split and batch order', parseInteger('--seed', 0), 0)
    .option('--test-fraction <f>', 'held-out test share, stratified', parseNumber('--test-fraction', (n) => n > 0 && n < 1, 'a number in (0, 1)'), 0.2)
    .addOption(new Option('--backend <name>', 'arithmetic backend').choices(['js', 'native', 'auto']).default('auto'))
    .option('--threads <n>', 'native arithmetic threads (0 chooses by size)', parseInteger('--threads', 0), 0)
    .option('--json', 'print the result as one JSON line on stdout', false)
    .action(async (options: TrainCommandOptions) => {
      const controller = new AbortController();
      const onInterrupt = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onInterrupt);
      try {
        printSummary(await trainCommand(options, controller.signal), options.json);
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`descent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
