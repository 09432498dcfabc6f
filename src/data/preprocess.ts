/**
 * Input preprocessing, fit on the training rows only and kept by the
 * network so that evaluate, predict and exports see inputs as training
 * did: a per-feature affine map x' = (x - shift) * scale, in float32.
 * - minmax: shift = the training minimum, scale = 1 / (max - min), so the
 *   training range maps to [0, 1];
 * - standardize: shift = the training mean, scale = 1 / the standard deviation.
 * A constant feature gets scale 1 (it maps to 0 and stays there).
 */
import { pause, rowsPerSlice, runNow, watch, type Job } from '../cooperative.js';
import { describe } from '../validate.js';

export const PREPROCESSINGS = ['none', 'minmax', 'standardize'] as const;

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;
export type PreprocessingName = (typeof PREPROCESSINGS)[number];

/** A fitted preprocessing: plain data (JSON keeps it whole), float32 values. */
export interface Preprocessing {
  kind: Exclude<PreprocessingName, 'none'>;
  shift: number[];
  scale: number[];
}

/** Fits a preprocessing on rows of x (n x features; bytes stand for byte x xScale). */
export function fitPreprocessing(
  kind: PreprocessingName,
  x: Float32Array | Uint8Array,
  xScale: number,
  n: number,
  features: number,
): Preprocessing | null {
  return runNow(fitPreprocessingJob(kind, x, xScale, n, features));
}

/**
 * fitPreprocessing as a job that yields between slices of rows. Rows are
 * read in order and each feature's statistic accumulates over them in row
 * order, in float64.
 */
export function* fitPreprocessingJob(
  kind: PreprocessingName,
  x: Float32Array | Uint8Array,
  xScale: number,
  n: number,
  features: number,
): Job<Preprocessing | null> {
  if (kind === 'none') return null;
  const sliceRows = rowsPerSlice(features);
  const reads = watch('data.x', x);
  const shift = new Array<number>(features);
  const scale = new Array<number>(features);
  if (kind === 'minmax') {
    const min = new Float64Array(features).fill(Infinity);
    const max = new Float64Array(features).fill(-Infinity);
    for (let r = 0; r < n; r++) {
      for (let j = 0, i = r * features; j < features; j++, i++) {
        const v = x[i] * xScale;
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
      if ((r + 1) % sliceRows === 0) yield* pause(reads);
    }
    for (let j = 0; j < features; j++) {
      shift[j] = Math.fround(min[j]);
      scale[j] = Math.fround(max[j] > min[j] ? 1 / (max[j] - min[j]) : 1);
    }
    return { kind, shift, scale };
  }
  // Two passes: the mean, then the spread around it.
  const mean = new Float64Array(features);
  for (let r = 0; r < n; r++) {
    for (let j = 0, i = r * features; j < features; j++, i++) mean[j] += x[i] * xScale;
    if ((r + 1) % sliceRows === 0) yield* pause(reads);
  }
  for (let j = 0; j < features; j++) mean[j] /= n;
  const squares = new Float64Array(features);
  for (let r = 0; r < n; r++) {
    for (let j = 0, i = r * features; j < features; j++, i++) {
      const d = x[i] * xScale - mean[j];
      squares[j] += d * d;
    }
    if ((r + 1) % sliceRows === 0) yield* pause(reads);
  }
  for (let j = 0; j < features; j++) {
    const std = Math.sqrt(squares[j] / n);
    shift[j] = Math.fround(mean[j]);
    scale[j] = Math.fround(std > 0 ? 1 / std : 1);
  }
  return { kind, shift, scale };
}

/**
 * Rows [start, start + count) of x as preprocessed floats, into out (count
 * x features). Without a preprocessing, bytes are widened and floats copied.
 */
export function preprocessRows(...args: Parameters<typeof preprocessRowsJob>): Float32Array {
  return runNow(preprocessRowsJob(...args));
}

/** preprocessRows as a job that yields between slices of rows; `name` is how x is named in errors. */
export function* preprocessRowsJob(
  p: Preprocessing | null,
  x: Float32Array | Uint8Array,
  xScale: number,
  features: number,
  start: number,
  count: number,
  out: Float32Array,
  name = 'x',
): Job<Float32Array> {
  const sliceRows = rowsPerSlice(features);
  const reads = watch(name, x);
  for (let r = 0; r < count; r++) {
    const from = (start + r) * features;
    const to = r * features;
    for (let j = 0; j < features; j++) {
      const v = Math.fround(x[from + j] * xScale);
      out[to + j] = p === null ? v : Math.fround(Math.fround(v - p.shift[j]) * p.scale[j]);
    }
    if ((r + 1) % sliceRows === 0) yield* pause(reads);
  }
  return out.subarray(0, count * features);
}

/** Checks a stored preprocessing (a model file's) against the network's inputs. */
export function checkPreprocessing(name: string, value: unknown, features: number): Preprocessing | null {
  if (value === null || value === undefined) return null;
  const p = value as Partial<Preprocessing>;
  if (typeof p !== 'object' || (p.kind !== 'minmax' && p.kind !== 'standardize')) {
    throw new TypeError(`${name}.kind must be "minmax" or "standardize", received ${describe(p?.kind)}`);
  }
  for (const field of ['shift', 'scale'] as const) {
    const values = p[field];
    if (!Array.isArray(values) || values.length !== features || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new RangeError(`${name}.${field} must be ${features} finite numbers (one per input), received ${describe(values)}`);
    }
    // Applied in float32 (preprocessRowsJob): a value beyond its range is Infinity there, and every prediction NaN.
    const beyond = values.findIndex((v) => !Number.isFinite(Math.fround(v)));
    if (beyond >= 0) {
      throw new RangeError(
        `${name}.${field}[${beyond}] is ${values[beyond]}, beyond float32 (at most ${FLOAT32_MAX} in magnitude): applied in float32 it would make every prediction NaN`,
      );
    }
  }
  return { kind: p.kind, shift: [...p.shift!], scale: [...p.scale!] };
}
