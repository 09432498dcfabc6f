import { runNow, type Job } from '../cooperative.js';
import { Rng } from '../rng.js';
import { expectBoolean, expectInRange, expectKnownKeys, expectNonNegativeInteger, expectObject } from '../validate.js';
import { checkDatasetJob, subsetJob, type Dataset } from './dataset.js';

/** Rows grouped between two yields (the loop is cheap; 8192 rows take well under 1 ms). */
const SLICE_ROWS = 8192;

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
  return runNow(trainTestSplitJob(data, options));
}

/** trainTestSplit as a job that yields between slices of its checks and copies (src/cooperative.ts). */
export function* trainTestSplitJob(data: Dataset, options: SplitOptions = {}): Job<{ train: Dataset; test: Dataset }> {
  const o = expectObject('options', options) as SplitOptions;
  expectKnownKeys('options', o as Record<string, unknown>, ['testFraction', 'seed', 'stratify']);
  if (o.stratify !== undefined) expectBoolean('stratify', o.stratify);
  // The same checks as fit's, before anything is allocated by the dataset's sizes.
  const d = data as Partial<Dataset> | null;
  const outputs = d?.classes ?? (d && d.y && typeof d.n === 'number' && d.n > 0 ? d.y.length / d.n : 1);
  yield* checkDatasetJob('data', data, d?.features as number, outputs as number);
  return yield* splitCheckedJob(data, o);
}

/** trainTestSplitJob on a dataset checked already (fit's): its rows are not scanned again. */
export function* splitCheckedJob(data: Dataset, options: SplitOptions): Job<{ train: Dataset; test: Dataset }> {
  const testFraction = options.testFraction ?? 0.2;
  expectInRange('testFraction', testFraction, Number.MIN_VALUE, 1);
  const seed = expectNonNegativeInteger('seed', options.seed ?? 0);
  const rng = new Rng(seed);
  const stratify = (options.stratify ?? true) && data.classes !== undefined;
  const groups: number[][] = [];
  if (stratify) {
    for (let c = 0; c < data.classes!; c++) groups.push([]);
    for (let i = 0; i < data.n; i++) {
      groups[data.y[i]].push(i);
      if (i % SLICE_ROWS === SLICE_ROWS - 1) yield;
    }
  } else {
    groups.push(Array.from({ length: data.n }, (_, i) => i));
  }
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  for (const group of groups) {
    yield;
    rng.shuffle(group);
    const testCount = Math.round(group.length * testFraction);
    // A loop, not push(...spread): a spread of a million rows overflows the stack.
    for (let k = 0; k < group.length; k++) (k < testCount ? testIndices : trainIndices).push(group[k]);
  }
  if (trainIndices.length === 0 || testIndices.length === 0) {
    throw new RangeError(
      `testFraction ${testFraction} leaves ${trainIndices.length} training and ${testIndices.length} test rows of ${data.n}; both parts need at least one`,
    );
  }
  yield;
  // Sorted so the parts keep the dataset's order; shuffling is the trainer's job.
  const train = yield* subsetJob(data, Uint32Array.from(trainIndices).sort());
  const test = yield* subsetJob(data, Uint32Array.from(testIndices).sort());
  return { train, test };
}
