/**
 * A checkpoint's own fields (docs/model-format.md, Checkpoints), checked as
 * the model header is: a file whose checksum is right may still hold
 * contents no descent wrote (a bug, a hand edit, a tool that re-signs),
 * and each field is refused with a message naming the file and the field,
 * what it must be and what it is, before anything of it reaches the
 * network or the run.
 */
import { base64Bytes, float32FromBytes } from '../io/float32-le.js';
import type { JsonObject } from '../io/model-header.js';
import { ModelFileError } from '../io/model-error.js';
import { Rng } from '../rng.js';
import { describe } from '../validate.js';
import type { FitProgress } from './checkpoint.js';
import type { EpochLog } from './options.js';

/** Thrown for one field: `field` must be `expected`, received `value` (or the text `shown`). */
type Refuse = (field: string, expected: string, value: unknown, shown?: string) => never;

/**
 * The checkpoint object of the model file at `path` (the header's
 * `checkpoint`), checked field by field; `size` is its plan's parameter
 * count. Returns the run's progress and the settings it was trained with.
 */
export function checkCheckpointFields(path: string, checkpoint: JsonObject, size: number): { progress: FitProgress; settings: JsonObject } {
  const refuse: Refuse = (field, expected, value, shown = describe(value)) => {
    throw new ModelFileError(`options.resume: ${path} has a bad checkpoint: checkpoint.${field} must be ${expected}, received ${shown}`);
  };
  const epochs = positiveInteger(refuse, 'epochs', checkpoint.epochs);
  const epoch = positiveInteger(refuse, 'epoch', checkpoint.epoch);
  if (epoch > epochs) refuse('epoch', `at most checkpoint.epochs (${epochs})`, epoch);
  const settings = plainObject(refuse, 'settings', checkpoint.settings);
  return {
    settings,
    progress: {
      epoch,
      epochs,
      rng: rngState(refuse, checkpoint.rng),
      history: history(refuse, checkpoint.history, epoch),
      earlyStopping: earlyStopping(refuse, checkpoint.earlyStopping, epoch, size, settings.earlyStopping),
    },
  };
}

function positiveInteger(refuse: Refuse, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) refuse(field, 'a positive integer', value);
  return value as number;
}

function plainObject(refuse: Refuse, field: string, value: unknown): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(field, 'an object', value);
  return value as JsonObject;
}

function finite(refuse: Refuse, field: string, value: unknown, min = -Infinity, max = Infinity, expected = 'a finite number'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) refuse(field, expected, value);
  return value as number;
}

/** The shuffle generator's state: four unsigned 32-bit words, not all zero, and an optional finite spare normal. */
function rngState(refuse: Refuse, value: unknown): number[] {
  const expected = 'an Rng state: 4 unsigned 32-bit words, not all zero (and an optional spare normal)';
  if (!Array.isArray(value) || (value.length !== 4 && value.length !== 5)) refuse('rng', expected, value);
  const state = value as unknown[];
  if (!state.every((v) => typeof v === 'number' && Number.isFinite(v))) refuse('rng', expected, value);
  try {
    Rng.fromState(state as number[]);
  } catch {
    refuse('rng', expected, value);
  }
  return [...(state as number[])];
}

/** One entry per epoch done, in order, each as fit reported it. */
function history(refuse: Refuse, value: unknown, epoch: number): EpochLog[] {
  if (!Array.isArray(value) || value.length !== epoch) refuse('history', `an array of ${epoch} epoch logs (one per epoch done)`, value);
  return (value as unknown[]).map((entry, i) => {
    const at = `history[${i}]`;
    const log = plainObject(refuse, at, entry);
    if (log.epoch !== i + 1) refuse(`${at}.epoch`, String(i + 1), log.epoch);
    // 0 was the last epoch's rate of the cosine schedule before it ended above minLr.
    finite(refuse, `${at}.lr`, log.lr, 0, Infinity, 'a non-negative finite number');
    finite(refuse, `${at}.loss`, log.loss, 0, Infinity, 'a non-negative finite number');
    finite(refuse, `${at}.seconds`, log.seconds, 0, Infinity, 'a non-negative finite number');
    if (log.accuracy !== undefined) finite(refuse, `${at}.accuracy`, log.accuracy, 0, 1, 'a number in [0, 1]');
    if (log.valLoss !== undefined) finite(refuse, `${at}.valLoss`, log.valLoss, 0, Infinity, 'a non-negative finite number');
    if (log.valAccuracy !== undefined) finite(refuse, `${at}.valAccuracy`, log.valAccuracy, 0, 1, 'a number in [0, 1]');
    return log as unknown as EpochLog;
  });
}

/**
 * Early stopping's best so far: null exactly when the run stops early on
 * no settings; bestParams null or `size` finite float32 values in base64.
 */
function earlyStopping(refuse: Refuse, value: unknown, epoch: number, size: number, setting: unknown): FitProgress['earlyStopping'] {
  const stopsEarly = setting !== null && setting !== undefined && setting !== false;
  if (value === null && !stopsEarly) return null;
  if (!stopsEarly) refuse('earlyStopping', 'null (its settings.earlyStopping is off)', value);
  const best = plainObject(refuse, 'earlyStopping', value);
  const bestEpoch = best.bestEpoch;
  if (typeof bestEpoch !== 'number' || !Number.isSafeInteger(bestEpoch) || bestEpoch < 0 || bestEpoch > epoch) {
    refuse('earlyStopping.bestEpoch', `an integer in [0, ${epoch}] (0 before any epoch was best)`, bestEpoch);
  }
  const bestValue = best.bestValue === null ? null : finite(refuse, 'earlyStopping.bestValue', best.bestValue, -Infinity, Infinity, 'null or a finite number');
  if ((bestValue === null) !== (bestEpoch === 0)) {
    refuse('earlyStopping.bestValue', bestEpoch === 0 ? 'null while bestEpoch is 0' : `a finite number (bestEpoch is ${bestEpoch})`, best.bestValue);
  }
  return { bestValue, bestEpoch: bestEpoch as number, bestParams: bestParams(refuse, best.bestParams, size, bestEpoch as number) };
}

function bestParams(refuse: Refuse, value: unknown, size: number, bestEpoch: number): Float32Array | null {
  if (value === null) return null;
  const expected = `null or base64 of ${size} finite float32 values (${size * 4} bytes, the plan's parameters)`;
  if (typeof value !== 'string' || bestEpoch === 0) refuse('earlyStopping.bestParams', bestEpoch === 0 ? 'null while bestEpoch is 0' : expected, value);
  const bytes = base64Bytes(value as string);
  if (bytes === null || bytes.length !== size * 4) {
    refuse('earlyStopping.bestParams', expected, value, bytes === null ? 'text that is not base64' : `${bytes.length} bytes`);
  }
  const params = float32FromBytes(bytes!, size);
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(params[i])) refuse('earlyStopping.bestParams', expected, value, `${params[i]} at params[${i}]`);
  }
  return params;
}
