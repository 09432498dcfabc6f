import { Rng } from '../rng.js';
import { expectInRange, expectNonNegativeInteger } from '../validate.js';
import { checkDataset, subset, type Dataset } from './dataset.js';

export interface SplitOptions {
  /** Fraction of the rows that go to the test part, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Keep each class's share equal in both parts (classification only). Default true. */
  stratify?: boolean;
}

/**
 * A seeded train/test split. Stratified for classification: each class
 * sends round(count x testFraction) of its rows to the test part.
 */
export function trainTestSplit(data: Dataset, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  // The same checks as fit's, before anything is allocated by the dataset's sizes.
  const d = data as Partial<Dataset> | null;
  const outputs = d?.classes ?? (d && d.y && typeof d.n === 'number' && d.n > 0 ? d.y.length / d.n : 1);
  checkDataset('data', data, d?.features as number, outputs as number);
  const testFraction = options.testFraction ?? 0.2;
  expectInRange('testFraction', testFraction, Number.MIN_VALUE, 1);
  const seed = expectNonNegativeInteger('seed', options.seed ?? 0);
  const rng = new Rng(seed);
  const stratify = (options.stratify ?? true) && data.classes !== undefined;
  const groups: number[][] = [];
  if (stratify) {
    for (let c = 0; c < data.classes!; c++) groups.push([]);
    for (let i = 0; i < data.n; i++) groups[data.y[i]].push(i);
  } else {
    groups.push(Array.from({ length: data.n }, (_, i) => i));
  }
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  for (const group of groups) {
    rng.shuffle(group);
    const testCount = Math.round(group.length * testFraction);
    testIndices.push(...group.slice(0, testCount));
    trainIndices.push(...group.slice(testCount));
  }
  if (trainIndices.length === 0 || testIndices.length === 0) {
    throw new RangeError(
      `testFraction ${testFraction} leaves ${trainIndices.length} training and ${testIndices.length} test rows of ${data.n}; both parts need at least one`,
    );
  }
  // Sorted so the parts keep the dataset's order; shuffling is the trainer's job.
  trainIndices.sort((a, b) => a - b);
  testIndices.sort((a, b) => a - b);
  return { train: subset(data, trainIndices), test: subset(data, testIndices) };
}
