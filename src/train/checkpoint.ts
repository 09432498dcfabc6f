/**
 * Checkpoints of a fit: a model file (src/io) whose header also holds
 * where the run is (the epochs done, the shuffle generator's position, the
 * history, early stopping's best) and the settings that shape it, with the
 * optimizer state beside the weights. Resuming a run with the same
 * settings continues it exactly: 10 epochs straight and 5 + 5 across a
 * killed process give the same bits on the same thread count.
 */
import { readModelFile, writeModelFile } from '../io/model-io.js';
import type { JsonObject } from '../io/model-header.js';
import { modelPartsOf } from '../io/network-model.js';
import { float32Bytes } from '../io/float32-le.js';
import type { OptimizerState } from '../backend/types.js';
import type { Preprocessing } from '../data/preprocess.js';
import type { Plan } from '../plan.js';
import { checkCheckpointFields } from './checkpoint-fields.js';
import { createHash } from 'node:crypto';
import { yieldToEventLoop } from '../cooperative.js';
import type { CheckedData } from '../data/dataset.js';
import type { EpochLog, ResolvedFitOptions } from './options.js';

/**
 * The rows a run trains on, in a few characters: their count and a hash
 * of their bytes, so that a resume on other data (another file, split or
 * test fraction) is refused rather than silently mixed.
 */
export async function dataFingerprint(data: CheckedData): Promise<string> {
  const hash = createHash('sha256');
  const y = data.labels ?? data.targets!;
  for (const array of [data.x, y]) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    // Hashed a slice at a time with the event loop's turn between slices.
    for (let start = 0; start < bytes.length; start += HASH_SLICE_BYTES) {
      if (start > 0) await yieldToEventLoop();
      hash.update(bytes.subarray(start, start + HASH_SLICE_BYTES));
    }
  }
  return `${data.n} rows x ${data.features}, sha256 ${hash.digest('hex').slice(0, 16)}`;
}

/** Bytes hashed between two turns of the event loop (SHA-256 runs near 1 GB/s: a few ms). */
const HASH_SLICE_BYTES = 4 << 20;

/** The settings a resumed run must share with the one it continues. */
export async function trajectorySettings(options: ResolvedFitOptions, data: CheckedData): Promise<JsonObject> {
  return {
    data: await dataFingerprint(data),
    // Not epochs: a run may be resumed to end sooner or later (its schedule
    // then follows the new count; the same count continues it exactly).
    batchSize: options.batchSize,
    optimizer: { ...options.optimizer },
    lr: options.lr,
    schedule: options.schedule,
    shuffle: options.shuffle,
    seed: options.seed,
    validation: typeof options.validation === 'number' ? options.validation : options.validation === null ? null : 'a dataset',
    earlyStopping: options.earlyStopping ?? null,
  };
}

/** Where a run stands after an epoch. */
export interface FitProgress {
  epoch: number;
  epochs: number;
  rng: number[];
  history: EpochLog[];
  earlyStopping: { bestValue: number | null; bestEpoch: number; bestParams: Float32Array | null } | null;
}

/** What a checkpoint writes of a network. */
export interface CheckpointTarget {
  readonly plan: Plan;
  readonly seed: number;
  readonly params: Float32Array;
  preprocessing: Preprocessing | null;
  labelNames: string[] | null;
  optimizerState: OptimizerState | null;
}

export async function writeCheckpoint(path: string, target: CheckpointTarget, progress: FitProgress, settings: JsonObject): Promise<void> {
  const best = progress.earlyStopping;
  const checkpoint: JsonObject = {
    kind: 'fit',
    epoch: progress.epoch,
    epochs: progress.epochs,
    rng: progress.rng,
    settings,
    history: progress.history as unknown as JsonObject[],
    earlyStopping: best && {
      bestValue: best.bestValue,
      bestEpoch: best.bestEpoch,
      bestParams: best.bestParams && float32Bytes(best.bestParams).toString('base64'),
    },
  };
  await writeModelFile(path, modelPartsOf(target, { checkpoint, training: { epochs: progress.epoch } }));
}

/**
 * Reads a checkpoint for `target` and puts its weights, optimizer state,
 * preprocessing and labels into it; returns where the run stood. Refuses
 * a file that is no checkpoint, one of another network and one trained
 * with other settings, naming the option.
 */
export async function resumeFrom(path: string, target: CheckpointTarget, settings: JsonObject): Promise<FitProgress> {
  const saved = await readModelFile(path);
  const checkpoint = saved.checkpoint as JsonObject | undefined;
  if (!checkpoint || checkpoint.kind !== 'fit') {
    throw new TypeError(`options.resume: ${path} is a model file but not a checkpoint of fit (save one with options.checkpoint)`);
  }
  if (JSON.stringify(saved.plan) !== JSON.stringify(target.plan)) {
    throw new TypeError(`options.resume: ${path} is a checkpoint of a different network: ${planDifference(saved.plan, target.plan)}`);
  }
  // Every field checked before anything of the file reaches the network.
  const { progress, settings: before } = checkCheckpointFields(path, checkpoint, target.plan.size);
  for (const key of Object.keys(settings)) {
    const was = JSON.stringify(before[key] ?? null);
    const now = JSON.stringify(settings[key] ?? null);
    if (was !== now) {
      const what = key === 'data' ? 'training rows' : `options.${key}`;
      throw new RangeError(`options.resume: ${path} was trained with ${what} ${was}, this fit has ${now}: resume with the same settings and data`);
    }
  }
  if (!saved.optimizer) throw new TypeError(`options.resume: ${path} holds no optimizer state`);
  target.params.set(saved.params);
  target.optimizerState = { optimizer: saved.optimizer.name, step: saved.optimizer.step, moments: saved.optimizer.moments };
  target.preprocessing = saved.preprocessing;
  target.labelNames = saved.labelNames;
  return progress;
}

/** Where two plans first differ, in words. */
function planDifference(saved: Plan, current: Plan): string {
  if (sizes(saved) !== sizes(current)) {
    return `layers ${sizes(saved)} (${saved.size} parameters) there, ${sizes(current)} (${current.size} parameters) here`;
  }
  const count = Math.max(saved.layers.length, current.layers.length);
  for (let i = 0; i < count; i++) {
    const was = JSON.stringify(saved.layers[i] ?? null);
    const now = JSON.stringify(current.layers[i] ?? null);
    if (was !== now) return `plan.layers[${i}] is ${was} there, ${now} here`;
  }
  return `inputs ${saved.inputs} there, ${current.inputs} here`;
}

function sizes(plan: Plan): string {
  return [plan.inputs, ...plan.layers.flatMap((l) => (l.kind === 'dense' ? [l.units] : []))].join('-');
}
