import { statSync } from 'node:fs';
import { loadCsv, type CsvOptions } from '../data/csv.js';
import { loadDigits } from '../data/digits.js';
import { DatasetNotInstalledError, FASHION_MNIST_DIR, loadFashionMnist } from '../data/fashion-mnist.js';
import { loadIdxDirectory } from '../data/idx.js';
import type { Dataset } from '../data/dataset.js';

/** What kind of data a --data value names, before anything is read. */
export type DataKind = 'digits' | 'fashion-mnist' | 'idx' | 'csv';

export function dataKind(spec: string): DataKind {
  if (spec === 'digits' || spec === 'fashion-mnist') return spec;
  return spec.startsWith('idx:') ? 'idx' : 'csv';
}

/** Whether the data comes with its own test set (so --test-fraction does not apply). */
export function hasOwnTestSet(spec: string): boolean {
  const kind = dataKind(spec);
  return kind === 'fashion-mnist' || kind === 'idx';
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
  if (spec === 'fashion-mnist') return { name: spec, ...(await fashionMnist()), split: 'given' };
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

/** Fashion-MNIST, or an error that says how to get it in command-line terms. */
async function fashionMnist(): Promise<{ train: Dataset; test: Dataset }> {
  try {
    return await loadFashionMnist();
  } catch (error) {
    if (!(error instanceof DatasetNotInstalledError)) throw error;
    throw new DatasetNotInstalledError(
      `Fashion-MNIST not found in ${FASHION_MNIST_DIR}: on Debian or Ubuntu install it with \`sudo apt-get install dataset-fashion-mnist\`, ` +
        'or pass another copy of its files as --data idx:DIR',
    );
  }
}
