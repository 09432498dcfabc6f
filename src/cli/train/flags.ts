/**
 * The flags of `descent train` as commander reads them, with the data's
 * own defaults applied (fashion-mnist's larger network) and the
 * combinations that make no sense refused as usage errors.
 */
import type { BackendChoice } from '../../backend/select.js';
import type { PreprocessingName } from '../../data/preprocess.js';
import { optimizerOp } from '../../ops/optimizers/index.js';
import type { HiddenActivation, InitName, LossName, OptimizerName, OutputActivation } from '../../spec.js';
import { checkCsvFlags, type CsvFlags } from '../csv-flags.js';
import { hasOwnTestSet } from '../datasets.js';
import { UsageError } from '../errors.js';
import { shorthandPlan } from '../../build-plan.js';

export interface TrainFlags extends CsvFlags {
  data: string;
  layers: number[];
  activation: HiddenActivation;
  output?: OutputActivation;
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
  valFraction?: number;
  earlyStopping?: number;
  preprocess: PreprocessingName;
  save?: string;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: string;
  log?: string;
  backend: BackendChoice;
  threads: number;
  json: boolean;
  verbose?: boolean;
}

/** The commands that take the train flags. */
export type TrainLikeCommand = 'train' | 'doctor';

/** What `--data fashion-mnist` trains by default: flags given on the command line override each. */
export const FASHION_MNIST_DEFAULTS = { layers: [784, 256, 128, 10], dropout: 0.2, epochs: 40, batchSize: 128 } as const;

/**
 * The flags with their data-dependent defaults; `sourceOf` is commander's
 * getOptionValueSource; `command` (train or doctor, which share these
 * flags) is the one whose --help a usage error points at.
 */
export function resolveTrainFlags(flags: TrainFlags, sourceOf: (key: string) => string | undefined, command: TrainLikeCommand = 'train'): TrainFlags {
  const usage = (message: string) => new UsageError(message, command);
  checkCsvFlags(command, flags.data, flags);
  if (hasOwnTestSet(flags.data) && sourceOf('testFraction') === 'cli') {
    throw usage(`--test-fraction does not apply to --data ${flags.data}: it comes with its own test set`);
  }
  if (flags.checkpointEvery !== undefined && flags.checkpoint === undefined) {
    throw usage('--checkpoint-every needs --checkpoint FILE to write to');
  }
  const uses = optimizerOp(flags.optimizer).uses as readonly string[];
  for (const [key, flag] of [['momentum', '--momentum'], ['nesterov', '--nesterov']] as const) {
    if (flags[key] !== undefined && !uses.includes(key)) {
      throw usage(`${flag} applies to --optimizer momentum, received --optimizer ${flags.optimizer}`);
    }
  }
  const resolved: TrainFlags = { ...flags };
  if (flags.data === 'fashion-mnist') {
    if (sourceOf('layers') === 'default') resolved.layers = [...FASHION_MNIST_DEFAULTS.layers];
    if (sourceOf('dropout') === 'default') resolved.dropout = FASHION_MNIST_DEFAULTS.dropout;
    if (sourceOf('epochs') === 'default') resolved.epochs = FASHION_MNIST_DEFAULTS.epochs;
    if (sourceOf('batchSize') === 'default') resolved.batchSize = FASHION_MNIST_DEFAULTS.batchSize;
  }
  resolved.output ??= flags.task === 'regression' ? 'linear' : 'softmax';
  checkNetworkFlags(resolved, usage);
  return resolved;
}

/**
 * The network the flags describe, built as a plan (no weights yet): a
 * combination that cannot be one (--output tanh --loss cross-entropy, a
 * plan past the parameter limit) is a usage error, before any data is read.
 */
function checkNetworkFlags(flags: TrainFlags, usage: (message: string) => UsageError): void {
  const { layers, activation, output, loss, dropout, init } = flags;
  try {
    shorthandPlan({ layers, activation, output, loss, dropout, init });
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    // The plan's messages name its options; here they are flags.
    throw usage(error.message.replace(/^(layers|output|loss|activation|dropout|init)\b/, '--$1').replace(/ (output|loss) "/g, ' --$1 "'));
  }
}
