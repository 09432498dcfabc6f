import { loadDigits } from '../data/digits.js';
import type { Dataset } from '../data/dataset.js';

/** Datasets the CLI knows by name. */
const NAMED: Record<string, () => Dataset> = {
  digits: loadDigits,
};

export function loadNamedDataset(name: string): Dataset {
  const load = NAMED[name];
  if (!load) {
    throw new TypeError(
      `--data must be one of ${Object.keys(NAMED)
        .map((n) => `"${n}"`)
        .join(', ')}, received "${name}"`,
    );
  }
  return load();
}
