/**
 * A dataset as users hand it to descent, and the checks that turn it into
 * the arrays the backends read.
 */
import { firstNonFiniteJob, pause, rowsPerSlice, runNow, SLICE_VALUES, watch, type Job } from '../cooperative.js';
import { describe } from '../validate.js';

/**
 * Row-major samples with their answers.
 * - Classification: `classes` is set and `y` holds class indices in [0, classes).
 * - Regression: `classes` is absent and `y` is a Float32Array of n x outputs targets.
 */
export interface Dataset {
  /**
   * Row-major (n, features). A Uint8Array keeps image-like data at a
   * quarter of the memory: each byte stands for byte x xScale, widened to
   * float one batch at a time.
   */
  x: Float32Array | Uint8Array;
  /** The value of one unit of a Uint8Array x. Default 1/255, so bytes 0..255 mean [0, 1]. */
  xScale?: number;
  y: Int32Array | Uint8Array | Uint16Array | Float32Array | number[];
  n: number;
  features: number;
  classes?: number;
  /** The name of each class index (CSV labels): kept by a network that trains on it, printed by predict. */
  labelNames?: string[];
}

/**
 * The values a loss can take as targets (binary cross-entropy's are
 * probabilities, in [0, 1]), and why, for the message that refuses others.
 */
export interface TargetRange {
  readonly min: number;
  readonly max: number;
  /** Why, as in "the binary-cross-entropy loss reads them as probabilities". */
  readonly why: string;
}

/** The arrays a backend trains on, checked and in their canonical types. */
export interface CheckedData {
  /** How messages name the dataset ("data", "options.validation"). */
  name: string;
  x: Float32Array | Uint8Array;
  /** 1 for float x. */
  xScale: number;
  n: number;
  features: number;
  labels: Int32Array | null;
  targets: Float32Array | null;
  classes: number | null;
  /** The range the targets were checked against (the loss's), or null: checked again by recheckAnswersJob. */
  targetRange: TargetRange | null;
}

/**
 * Validates a dataset against a network's input and output sizes, and its
 * float targets against the range its loss takes (targetRange, null for
 * any finite value). `name` is how the dataset is referred to in messages
 * (e.g. "data" or "options.validation").
 */
export function checkDataset(name: string, data: unknown, features: number, outputs: number, targetRange: TargetRange | null = null): CheckedData {
  return runNow(checkDatasetJob(name, data, features, outputs, targetRange));
}

/** checkDataset as a job that yields between slices of its scans (src/cooperative.ts). */
export function* checkDatasetJob(
  name: string,
  data: unknown,
  features: number,
  outputs: number,
  targetRange: TargetRange | null = null,
): Job<CheckedData> {
  if (typeof data !== 'object' || data === null) {
    throw new TypeError(`${name} must be a dataset { x, y, n, features, classes? }, received ${describe(data)}`);
  }
  const d = data as Partial<Dataset>;
  const { n } = d;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`${name}.n must be a positive integer (the number of samples), received ${describe(n)}`);
  }
  if (d.features !== features) {
    throw new RangeError(
      `${name}.features must equal the network's input size ${features}, received ${describe(d.features)}`,
    );
  }
  if (!(d.x instanceof Float32Array) && !(d.x instanceof Uint8Array)) {
    throw new TypeError(
      `${name}.x must be a Float32Array (or a Uint8Array of scaled bytes), row-major n x features, received ${describe(d.x)}`,
    );
  }
  let xScale = 1;
  if (d.x instanceof Uint8Array) {
    xScale = d.xScale ?? DEFAULT_BYTE_SCALE;
    if (typeof xScale !== 'number' || !Number.isFinite(xScale) || xScale <= 0) {
      throw new RangeError(`${name}.xScale must be a positive finite number, received ${describe(d.xScale)}`);
    }
  } else if (d.xScale !== undefined) {
    throw new TypeError(`${name}.xScale applies to a Uint8Array x only; ${name}.x is a Float32Array`);
  }
  if (d.x.length !== n * features) {
    throw new RangeError(
      `${name}.x must have n x features = ${n} x ${features} = ${n * features} values, received ${d.x.length}`,
    );
  }
  const badX = d.x instanceof Float32Array ? yield* firstNonFiniteJob(`${name}.x`, d.x) : -1;
  if (badX >= 0) {
    throw new RangeError(
      `${name}.x must hold finite numbers, received ${d.x[badX]} at row ${Math.floor(badX / features)}, column ${badX % features}`,
    );
  }
  const y = d.y;
  if (y === undefined || y === null || (!Array.isArray(y) && !ArrayBuffer.isView(y))) {
    throw new TypeError(`${name}.y must be an array of class indices or a Float32Array of targets, received ${describe(y)}`);
  }
  const yValues = y as ArrayLike<number>;
  if (d.classes !== undefined) {
    const labels = yield* checkLabels(name, yValues, n, d.classes, outputs);
    return { name, x: d.x, xScale, n, features, labels, targets: null, classes: d.classes, targetRange };
  }
  const targets = yield* checkTargets(name, yValues, n, outputs, targetRange);
  return { name, x: d.x, xScale, n, features, labels: null, targets, classes: null, targetRange };
}

/**
 * The answers of data checked again, in slices: after JS has run (a fit's
 * validation set between epochs, an evaluateAsync while its rows were
 * computed) they may have been transferred or changed, and are read as
 * they are now.
 */
export function* recheckAnswersJob(data: CheckedData, outputs: number): Job<void> {
  if (data.labels !== null) {
    yield* checkLabels(data.name, data.labels, data.n, data.classes, outputs);
  } else {
    yield* checkTargets(data.name, data.targets!, data.n, outputs, data.targetRange);
  }
}

/** The most classes a dataset may have (one output unit each; the CSV loader's limit too). */
export const MAX_CLASSES = 65536;

/** Labels checked between two yields: each is a few checks, 8192 well under 1 ms even before the JIT warms up. */
const LABEL_SLICE = 8192;

function* checkLabels(name: string, y: ArrayLike<number>, n: number, classes: unknown, outputs: number): Job<Int32Array> {
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 2 || classes > MAX_CLASSES) {
    throw new RangeError(`${name}.classes must be an integer in [2, ${MAX_CLASSES}], received ${describe(classes)}`);
  }
  if (classes !== outputs && !(classes === 2 && outputs === 1)) {
    throw new RangeError(
      `${name}.classes (${classes}) does not fit the network's ${outputs} output units: expected ${outputs} classes` +
        (outputs === 1 ? ' (a single output unit is a binary classifier: classes 2)' : ''),
    );
  }
  if (y.length !== n) {
    throw new RangeError(`${name}.y must have n = ${n} class indices, received ${y.length}`);
  }
  const labels = y instanceof Int32Array ? y : new Int32Array(n);
  const reads = watch(`${name}.y`, y);
  for (let i = 0; i < n; i++) {
    const label = y[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(
        `${name}.y must hold class indices in [0, ${classes}), received ${describe(label)} at row ${i}`,
      );
    }
    labels[i] = label;
    if (i % LABEL_SLICE === LABEL_SLICE - 1) yield* pause(reads);
  }
  return labels;
}

function* checkTargets(name: string, y: ArrayLike<number>, n: number, outputs: number, range: TargetRange | null): Job<Float32Array> {
  if (!(y instanceof Float32Array)) {
    throw new TypeError(
      `${name}.y must be a Float32Array of n x outputs targets when ${name}.classes is not set, received ${describe(y)}`,
    );
  }
  if (y.length !== n * outputs) {
    throw new RangeError(
      `${name}.y must have n x outputs = ${n} x ${outputs} = ${n * outputs} targets, received ${y.length}`,
    );
  }
  const bad = yield* firstNonFiniteJob(`${name}.y`, y);
  if (bad >= 0) {
    throw new RangeError(
      `${name}.y must hold finite numbers, received ${y[bad]} at row ${Math.floor(bad / outputs)}, column ${bad % outputs}`,
    );
  }
  if (range !== null) {
    const reads = watch(`${name}.y`, y);
    for (let start = 0; start < y.length; start += SLICE_VALUES) {
      const end = Math.min(y.length, start + SLICE_VALUES);
      for (let i = start; i < end; i++) {
        if (y[i] < range.min || y[i] > range.max) {
          throw new RangeError(
            `${name}.y must hold targets in [${range.min}, ${range.max}] (${range.why}), received ${y[i]} at row ${Math.floor(i / outputs)}, column ${i % outputs}`,
          );
        }
      }
      yield* pause(reads);
    }
  }
  return y;
}

/** Bytes 0..255 mean [0, 1] unless a dataset says otherwise. */
export const DEFAULT_BYTE_SCALE = 1 / 255;

/**
 * Rows [start, start + count) of x as floats: a view when x is float, a
 * widened copy into scratch when it is bytes.
 */
export function floatRows(
  x: Float32Array | Uint8Array,
  xScale: number,
  features: number,
  start: number,
  count: number,
  scratch?: Float32Array,
): Float32Array {
  const from = start * features;
  const to = (start + count) * features;
  if (x instanceof Float32Array) return x.subarray(from, to);
  const out = scratch && scratch.length >= to - from ? scratch.subarray(0, to - from) : new Float32Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = x[i] * xScale;
  return out;
}

/**
 * A subset of a checked dataset (its rows copied as they were, by
 * subsetJob) as checked data, without scanning them again.
 */
export function checkedPart(name: string, part: Dataset, whole: CheckedData): CheckedData {
  return {
    name,
    x: part.x,
    xScale: whole.xScale,
    n: part.n,
    features: part.features,
    labels: whole.labels === null ? null : (part.y as Int32Array),
    targets: whole.targets === null ? null : (part.y as Float32Array),
    classes: whole.classes,
    targetRange: whole.targetRange,
  };
}

/** The rows of a dataset at the given indices, as a new dataset. */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  return runNow(subsetJob(data, indices));
}

/** subset as a job that yields between slices of rows. */
export function* subsetJob(data: Dataset, indices: ArrayLike<number>): Job<Dataset> {
  const { features } = data;
  const count = indices.length;
  const x = data.x instanceof Uint8Array ? new Uint8Array(count * features) : new Float32Array(count * features);
  const isClassification = data.classes !== undefined;
  const width = isClassification ? 1 : data.y.length / data.n;
  const y = isClassification ? new Int32Array(count) : new Float32Array(count * width);
  const sliceRows = rowsPerSlice(features + width);
  const reads = [watch('data.x', data.x), watch('data.y', data.y)];
  for (let r = 0; r < count; r++) {
    const from = indices[r];
    x.set(data.x.subarray(from * features, (from + 1) * features), r * features);
    for (let k = 0; k < width; k++) y[r * width + k] = data.y[from * width + k];
    if ((r + 1) % sliceRows === 0) yield* pause(...reads);
  }
  const result: Dataset = { x, y, n: count, features };
  if (data.xScale !== undefined) result.xScale = data.xScale;
  if (isClassification) result.classes = data.classes;
  if (data.labelNames !== undefined) result.labelNames = data.labelNames;
  return result;
}

/**
 * Inputs for predict as a flat array of rows: a Float32Array (checked for
 * finite values) or Uint8Array as given, one row as number[], or rows as
 * number[][]. Names the row and column of a bad value.
 */
export function inputRows(name: string, x: unknown, features: number): Float32Array | Uint8Array {
  return runNow(inputRowsJob(name, x, features));
}

/** inputRows as a job that yields between slices of its finite-value scan. */
export function* inputRowsJob(name: string, x: unknown, features: number): Job<Float32Array | Uint8Array> {
  let rows: Float32Array | Uint8Array;
  if (x instanceof Float32Array || x instanceof Uint8Array) {
    rows = x;
  } else if (Array.isArray(x) && x.length > 0 && x.every((row) => Array.isArray(row))) {
    rows = yield* nestedRowsJob(name, x as unknown[][], features);
  } else if (Array.isArray(x) && x.length > 0 && typeof x[0] === 'number') {
    rows = yield* numberRowJob(name, x, features);
  } else if (Array.isArray(x) && x.length === 0) {
    rows = new Float32Array(0);
  } else {
    throw new TypeError(
      `${name} must be a Float32Array or Uint8Array of n x ${features} values, a number[] row or number[][] rows, received ${describe(x)}`,
    );
  }
  if (rows.length === 0 || rows.length % features !== 0) {
    throw new RangeError(`${name} must hold a whole number of rows of ${features} values (n x ${features}), received ${rows.length} values`);
  }
  if (rows instanceof Float32Array) {
    const bad = yield* firstNonFiniteJob(name, rows);
    if (bad >= 0) {
      throw new RangeError(`${name} must hold finite numbers, received ${rows[bad]} at row ${Math.floor(bad / features)}, column ${bad % features}`);
    }
  }
  return rows;
}

/** number[][] rows as one Float32Array, a slice of rows between yields. */
function* nestedRowsJob(name: string, x: unknown[][], features: number): Job<Float32Array> {
  const rows = new Float32Array(x.length * features);
  const sliceRows = rowsPerSlice(features);
  const reads = watch(name, x);
  for (let r = 0; r < x.length; r++) {
    const row = x[r];
    if (!Array.isArray(row) || row.length !== features) {
      throw new RangeError(`${name}[${r}] must hold ${features} values (the network's inputs), received ${Array.isArray(row) ? row.length : describe(row)}`);
    }
    for (let j = 0; j < features; j++) {
      // Float32Array would take null as 0 and true or " 1 " as 1: a silently wrong answer.
      const value = row[j];
      if (typeof value !== 'number') {
        throw new TypeError(`${name}[${r}][${j}] (row ${r}, column ${j}) must be a number, received ${describe(value)}`);
      }
      rows[r * features + j] = value;
    }
    if ((r + 1) % sliceRows === 0) yield* pause(reads);
  }
  return rows;
}

/** A number[] as a Float32Array, SLICE_VALUES values between yields; any other element is refused. */
function* numberRowJob(name: string, x: unknown[], features: number): Job<Float32Array> {
  const rows = new Float32Array(x.length);
  const reads = watch(name, x);
  for (let i = 0; i < x.length; i++) {
    const value = x[i];
    if (typeof value !== 'number') {
      throw new TypeError(
        `${name} must be a Float32Array or Uint8Array of n x ${features} values, a number[] row or number[][] rows, received an array holding ${describe(value)} at index ${i}`,
      );
    }
    rows[i] = value;
    if (i % SLICE_VALUES === SLICE_VALUES - 1) yield* pause(reads);
  }
  return rows;
}
