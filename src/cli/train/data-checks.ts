/** The data against the train flags: --layers must fit it, --val-fraction must leave rows on both sides. */
import type { Dataset } from '../../data/dataset.js';
import { UsageError } from '../errors.js';
import type { TrainFlags, TrainLikeCommand } from './flags.js';

/** --layers against the data's features and classes (or targets), naming the flag and what would fit. */
export function checkNetworkFitsData(flags: TrainFlags, data: Dataset, command: TrainLikeCommand = 'train'): void {
  const layers = flags.layers;
  const given = `--layers ${layers.join(',')}`;
  const inputs = layers[0];
  const outputs = layers[layers.length - 1];
  const wanted = data.classes ?? data.y.length / data.n;
  const what = data.classes === undefined ? `${wanted} target column${wanted === 1 ? '' : 's'}` : `${wanted} classes`;
  const fix = `pass --layers ${[data.features, ...layers.slice(1, -1), wanted].join(',')}`;
  if (inputs !== data.features) {
    throw new UsageError(`${given} takes ${inputs} inputs, but --data ${flags.data} has ${data.features} features per row: ${fix}`, command);
  }
  if (outputs !== wanted && !(data.classes === 2 && outputs === 1)) {
    throw new UsageError(`${given} ends in ${outputs} outputs, but --data ${flags.data} has ${what}: ${fix}`, command);
  }
}

/**
 * The training and validation rows fit will split the data into for
 * --val-fraction, counted as trainTestSplit does (per class, rounded, for
 * classification); a split that leaves either side empty is refused here.
 */
export function validationSplitRows(data: Dataset, fraction: number | undefined): { train: number; validation: number } {
  if (fraction === undefined) return { train: data.n, validation: 0 };
  let validation = Math.round(data.n * fraction);
  if (data.classes !== undefined) {
    const counts = new Array<number>(data.classes).fill(0);
    for (let i = 0; i < data.n; i++) counts[data.y[i]]++;
    validation = counts.reduce((sum, count) => sum + Math.round(count * fraction), 0);
  }
  const train = data.n - validation;
  if (train === 0 || validation === 0) {
    throw new RangeError(`--val-fraction ${fraction} leaves ${train} training and ${validation} validation rows of ${data.n}; both parts need at least one`);
  }
  return { train, validation };
}
