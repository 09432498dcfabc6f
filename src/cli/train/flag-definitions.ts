/**
 * The flag definitions of `descent train`, shared by `descent doctor` so
 * that the same command line runs either (one definition, one parser).
 */
import { Option, type Command } from 'commander';
import { PREPROCESSINGS } from '../../data/preprocess.js';
import { HIDDEN_ACTIVATIONS, INITS, LOSSES, OPTIMIZERS, OUTPUT_ACTIVATIONS } from '../../spec.js';
import { addCsvFlags } from '../csv-flags.js';
import { parseFraction, parseInteger, parseLayers, parseNumber } from '../parsers.js';
import { FASHION_MNIST_DEFAULTS as FASHION } from './flags.js';
import { MAX_THREADS } from '../../train/options.js';

/** Adds the network, data, optimizer and run flags (after --data) to command `name`. */
export function addTrainFlags(command: Command): Command {
  return addCsvFlags(command, 'train')
    .addOption(
      new Option('--layers <sizes>', 'layer sizes, inputs first')
        .argParser(parseLayers)
        .default([64, 128, 10], `64,128,10; ${FASHION.layers.join(',')} with --data fashion-mnist`),
    )
    .addOption(new Option('--activation <name>', 'hidden activation').choices(HIDDEN_ACTIVATIONS).default('relu'))
    .addOption(new Option('--output <name>', 'output activation (default: softmax; linear with --task regression)').choices(OUTPUT_ACTIVATIONS))
    .addOption(
      new Option('--dropout <rate>', 'dropout after every hidden activation (0 for none)')
        .argParser(parseNumber('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'))
        .default(0, `0; ${FASHION.dropout} with --data fashion-mnist`),
    )
    .addOption(new Option('--loss <name>', 'loss (default: the one that fits --output)').choices(LOSSES))
    .addOption(new Option('--init <name>', 'initialisation (default: he for relu-like, glorot otherwise)').choices(INITS))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('adam'))
    .option('--lr <rate>', 'learning rate (default: 0.002 adam/adamw, 0.01 momentum, 0.1 sgd)', parseNumber('--lr', (n) => n > 0, 'a positive number'))
    .option('--momentum <mu>', 'momentum coefficient, --optimizer momentum only (default: 0.9)', parseNumber('--momentum', (n) => n >= 0 && n < 1, 'a number in [0, 1)'))
    .option('--nesterov', 'Nesterov momentum, --optimizer momentum only')
    .option('--weight-decay <rate>', 'L2 weight decay, decoupled for adamw (default: 0; 0.01 adamw)', parseNumber('--weight-decay', (n) => n >= 0, 'a non-negative number'))
    .addOption(
      new Option('--epochs <n>', 'passes over the training data')
        .argParser(parseInteger('--epochs', 1))
        .default(60, `60; ${FASHION.epochs} with --data fashion-mnist`),
    )
    .addOption(
      new Option('--batch-size <n>', 'rows per step')
        .argParser(parseInteger('--batch-size', 1))
        .default(32, `32; ${FASHION.batchSize} with --data fashion-mnist`),
    )
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(['constant', 'step', 'cosine']).default('cosine'))
    .option('--seed <n>', 'seed of the weights, the splits, the batch order and dropout', parseInteger('--seed', 0), 0)
    .option(
      '--test-fraction <f>',
      'held-out test share, stratified; does not apply to fashion-mnist and idx:DIR, which have their own test set',
      parseFraction('--test-fraction'),
      0.2,
    )
    .option('--val-fraction <f>', 'validation share held out of the training rows, stratified (default: none)', parseFraction('--val-fraction'))
    .option('--early-stopping <patience>', 'stop after this many epochs without a better validation loss (training loss without --val-fraction), keep the best weights', parseInteger('--early-stopping', 1))
    .addOption(new Option('--preprocess <kind>', 'input scaling fit on the training rows and kept in the model').choices(PREPROCESSINGS).default('none'))
    .option('--save <model>', 'write the trained model (with a summary of this run) to this file')
    .option('--checkpoint <file>', 'write a checkpoint (a model file with the optimizer state and where the run stands) as epochs end')
    .option('--checkpoint-every <n>', 'epochs between checkpoints (default: 1; the last epoch always gets one)', parseInteger('--checkpoint-every', 1))
    .option('--resume <file>', 'continue the run a checkpoint holds; give the same flags as the run that wrote it')
    .option('--log <file>', 'append one JSON line per epoch (epoch, lr, loss, accuracy, valLoss, valAccuracy, seconds, samplesPerSecond)')
    .addOption(new Option('--backend <name>', 'arithmetic backend').choices(['js', 'native', 'auto']).default('auto'))
    .option('--threads <n>', `native arithmetic threads, at most ${MAX_THREADS} (0 chooses by size)`, parseInteger('--threads', 0, MAX_THREADS), 0);
}
