/**
 * Check 8: the inputs as the network sees them (after any preprocessing):
 * their scale, constant features, class balance, and rows shared between
 * the training and test sets.
 */
import type { CheckedData } from '../../data/dataset.js';
import { preprocessRows } from '../../data/preprocess.js';
import { rowsPerSlice, type Job } from '../../cooperative.js';
import type { DoctorContext } from '../context.js';
import { round, type Finding } from '../findings.js';
import { sampleOrderJob } from '../probe.js';

/** Rows the scale statistics are taken over (a seeded sample): enough for a mean and spread per feature. */
const SAMPLE_ROWS = 4096;
/**
 * The root mean square of all feature values: weights initialised for
 * inputs of about unit size (He, Glorot) see pre-activations that many
 * times too large (or small). Images in [0, 1] have ~0.5, standardised
 * features 1; 0..255 pixels ~100.
 */
const RMS_HIGH = 5;
const RMS_LOW = 0.01;
/** The largest class over the smallest: beyond 3, a network can score well by ignoring the small classes. */
const IMBALANCE_RATIO = 3;
/** Shared rows above this share of the test set make its accuracy an overestimate worth a warning. */
const DUPLICATE_WARNING = 0.01;

const SCALE_FIX = "--preprocess standardize (API fit option preprocess: 'standardize')";

/** A job: it yields between slices of rows. */
export function* checkInputsJob({ network, train, test, fit }: DoctorContext): Job<Finding[]> {
  const findings: Finding[] = [...(yield* scaleFindings(network.plan.inputs, network.preprocessing, train, fit.seed))];
  if (train.labels !== null) findings.push(...balanceFindings(train));
  if (test !== null) findings.push(...(yield* duplicateFindings(train, test)));
  return findings;
}

function* scaleFindings(features: number, preprocessing: DoctorContext['network']['preprocessing'], train: CheckedData, seed: number): Job<Finding[]> {
  const rows = Math.min(SAMPLE_ROWS, train.n);
  const order = yield* sampleOrderJob(train.n, rows, seed + 2);
  const row = new Float32Array(features);
  const sum = new Float64Array(features);
  const squares = new Float64Array(features);
  const min = new Float64Array(features).fill(Infinity);
  const max = new Float64Array(features).fill(-Infinity);
  const rowsPerYield = rowsPerSlice(features);
  for (const [k, r] of order.entries()) {
    if (k > 0 && k % rowsPerYield === 0) yield;
    preprocessRows(preprocessing, train.x, train.xScale, features, r, 1, row);
    for (let j = 0; j < features; j++) {
      const v = row[j];
      sum[j] += v;
      squares[j] += v * v;
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  const findings: Finding[] = [];
  const constant: number[] = [];
  const spreads: number[] = [];
  let total = 0;
  for (let j = 0; j < features; j++) {
    total += squares[j];
    if (max[j] === min[j]) constant.push(j);
    else spreads.push(Math.sqrt(Math.max(0, squares[j] / rows - (sum[j] / rows) ** 2)));
  }
  const rms = Math.sqrt(total / (rows * features));
  const widest = spreads.length ? Math.max(...spreads) : 0;
  if (rms > RMS_HIGH || rms < RMS_LOW) {
    findings.push({
      code: 'INPUT_SCALE',
      severity: 'warning',
      layer: null,
      message: `the inputs have a root mean square of ${round(rms)}, far from the unit scale the initialisation assumes`,
      evidence: { rms: round(rms), largestStd: round(widest), rows },
      fix: SCALE_FIX,
    });
  }
  if (constant.length > 0) {
    findings.push({
      code: 'INPUT_CONSTANT',
      severity: 'info',
      layer: null,
      message: `${constant.length} of ${features} features are constant over ${rows} rows (e.g. feature ${constant.slice(0, 5).join(', ')}): they carry no information`,
      evidence: { constantFeatures: constant.length, features, first: constant.slice(0, 10), rows },
      fix: 'nothing needed; drop them from the data to save work',
    });
  }
  return findings;
}

function balanceFindings(train: CheckedData): Finding[] {
  const counts = new Array<number>(train.classes ?? 0).fill(0);
  for (const label of train.labels!) counts[label]++;
  const largest = Math.max(...counts);
  const smallest = Math.min(...counts);
  if (smallest > 0 && largest / smallest <= IMBALANCE_RATIO) return [];
  return [
    {
      code: 'CLASS_IMBALANCE',
      severity: 'warning',
      layer: null,
      message:
        smallest === 0
          ? `${counts.filter((c) => c === 0).length} of ${counts.length} classes have no training rows`
          : `the largest class has ${largest} rows, the smallest ${smallest} (${round(largest / smallest)}x): accuracy can look good while the small classes are ignored`,
      evidence: { classCounts: counts, ratio: smallest === 0 ? null : round(largest / smallest) },
      fix: 'balance the training rows (resample the small classes), and judge by per-class recall (descent evaluate)',
    },
  ];
}

/** Row r's values as the network reads them (x times xScale, in float32), into out. */
function rowValues(data: CheckedData, r: number, out: Float32Array): Float32Array {
  const { features } = data;
  for (let j = 0; j < features; j++) out[j] = data.x[r * features + j] * data.xScale;
  return out;
}

/** FNV-1a over a row's float32 bits (-0 as 0, so equal values hash alike). */
function rowHash(bits: Uint32Array): number {
  let h = 0x811c9dc5;
  for (const word of bits) {
    h = Math.imul(h ^ (word === 0x80000000 ? 0 : word), 0x01000193);
  }
  return h >>> 0;
}

/**
 * Test rows equal to some training row: training rows are bucketed by a
 * hash of their values, and a test row is compared value by value with
 * the rows of its bucket only (Fashion-MNIST's 60,000 x 10,000 in about 0.4 s, where
 * keys of joined strings took 11 s).
 */
function* duplicateFindings(train: CheckedData, test: CheckedData): Job<Finding[]> {
  const row = new Float32Array(train.features);
  const bits = new Uint32Array(row.buffer);
  const other = new Float32Array(train.features);
  const buckets = new Map<number, number[]>();
  const rowsPerYield = rowsPerSlice(train.features);
  for (let r = 0; r < train.n; r++) {
    if (r > 0 && r % rowsPerYield === 0) yield;
    rowValues(train, r, row);
    const h = rowHash(bits);
    const bucket = buckets.get(h);
    if (bucket === undefined) buckets.set(h, [r]);
    else bucket.push(r);
  }
  let shared = 0;
  for (let r = 0; r < test.n; r++) {
    if (r > 0 && r % rowsPerYield === 0) yield;
    rowValues(test, r, row);
    const candidates = buckets.get(rowHash(bits));
    if (candidates?.some((t) => rowValues(train, t, other).every((v, j) => v === row[j]))) shared++;
  }
  if (shared === 0) return [];
  const share = shared / test.n;
  return [
    {
      code: 'TRAIN_TEST_DUPLICATES',
      severity: share > DUPLICATE_WARNING ? 'warning' : 'info',
      layer: null,
      message: `${shared} of ${test.n} test rows also appear in the training rows: test accuracy overstates how well the network generalises`,
      evidence: { sharedRows: shared, testRows: test.n, share: round(share) },
      fix: 'remove the shared rows from the test set',
    },
  ];
}
