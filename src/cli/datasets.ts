import { statSync } from 'node:fs';
import { loadCsv, type CsvOptions } from '../data/csv.js';
import { loadDigits } from '../data/digits.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { loadIdxDirectory } from '../data/idx.js';
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

/** What `--data` resolved to. */
export interface ResolvedData {
  name: string;
  train: Dataset;
  /** The dataset's own test set, when it has one. */
  test?: Dataset;
  /** 'given': the dataset's own test set (--test-fraction does not apply); 'fraction': split train by --test-fraction. */
  split: 'given' | 'fraction';
}

const DATA_FORMS = '"digits", "fashion-mnist", idx:DIR (MNIST-format files) or the path of a CSV file';

/**
 * Resolves `--data`: `digits`, `fashion-mnist`, `idx:DIR` or a CSV path
 * (read with `csvOptions`, which apply to CSV files only).
 */
export async function resolveData(spec: string, csvOptions: CsvOptions = {}): Promise<ResolvedData> {
  if (spec === 'digits') return { name: spec, train: loadDigits(), split: 'fraction' };
  if (spec === 'fashion-mnist') return { name: spec, ...(await loadFashionMnist()), split: 'given' };
  if (spec.startsWith('idx:')) {
    const dir = spec.slice('idx:'.length);
    if (dir === '') throw new TypeError(`--data idx: needs a directory, as in idx:./mnist, received "${spec}"`);
    return { name: spec, ...(await loadIdxDirectory(dir)), split: 'given' };
  }
  const file = statSync(spec, { throwIfNoEntry: false });
  // A missing bare word is a mistyped name more likely than a missing file.
  if (file === undefined && !/[./\\]/.test(spec)) throw new TypeError(`--data must be ${DATA_FORMS}, received "${spec}"`);
  if (file?.isDirectory()) {
    throw new TypeError(`--data ${spec} is a directory; for the MNIST-format files in it pass --data idx:${spec}`);
  }
  // A missing path is loadCsv's "file not found: PATH".
  return { name: spec, train: await loadCsv(spec, csvOptions), split: 'fraction' };
}
