/** The settings a training run used, resolved to the values it trained with (defaults filled in), for its summary. */
import { activationLabel } from '../../ops/activations/custom.js';
import type { Network } from '../../network.js';
import { optimizerOp } from '../../ops/optimizers/index.js';
import { resolveFitOptions, type FitOptions } from '../../train/options.js';
import { dataKind, hasOwnTestSet } from '../datasets.js';
import type { TrainFlags } from './flags.js';
import type { TrainSettings } from './summary.js';

export function trainSettings(flags: TrainFlags, network: Network, fitOptions: FitOptions): TrainSettings {
  const fit = resolveFitOptions(fitOptions, network.seed);
  const optimizer: Partial<TrainSettings> = {};
  for (const key of optimizerOp(fit.optimizer.kind).uses) Object.assign(optimizer, { [key]: fit.optimizer[key] });
  const csv = dataKind(flags.data) === 'csv';
  const given = hasOwnTestSet(flags.data);
  return {
    data: flags.data,
    label: flags.label ?? null,
    task: flags.task ?? 'classification',
    delimiter: csv ? (flags.delimiter ?? ',') : null,
    testSplit: given ? 'given' : 'fraction',
    testFraction: given ? null : flags.testFraction,
    layers: [...network.layers],
    activation: activationLabel(network.activation),
    output: network.output,
    loss: network.loss,
    dropout: flags.dropout,
    init: network.init,
    optimizer: fit.optimizer.kind,
    lr: fit.lr,
    ...optimizer,
    weightDecay: fit.optimizer.weightDecay,
    schedule: flags.schedule,
    batchSize: fit.batchSize,
    epochs: fit.epochs,
    valFraction: flags.valFraction ?? null,
    earlyStopping: flags.earlyStopping ?? null,
    preprocess: flags.preprocess,
    seed: fit.seed,
    backend: flags.backend,
    threads: fit.threads,
    resume: flags.resume ?? null,
  };
}
