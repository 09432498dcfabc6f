/**
 * The one boundary between the training loop and the arithmetic. The
 * reference backend (pure TypeScript) and the native backend (C++ and
 * OpenBLAS) implement it with the same meaning; tests hold one against the
 * other. Both execute a plan (src/plan.ts).
 */
import type { OptimizerSettings } from '../ops/types.js';
import type { Plan } from '../plan.js';
import type { LayerStats } from './layer-stats.js';

export type { LayerStats };

export type { OptimizerSettings };
export type BackendName = 'js' | 'native';

/** Training data, checked, as a trainer reads it. */
export interface TrainingData {
  /** Row-major (n, features): floats, or bytes that stand for byte x xScale. */
  readonly x: Float32Array | Uint8Array;
  /** The value of one unit of a byte input (1 for float inputs). */
  readonly xScale: number;
  readonly n: number;
  /** Class labels (n), or null for float targets. */
  readonly labels: Int32Array | null;
  /** Row-major (n, outputs) float targets, or null for class labels. */
  readonly targets: Float32Array | null;
}

/**
 * The optimizer's state beside the parameters, owned by JS: slot k of
 * parameter i at moments[k * size + i] (velocity; or Adam's first and
 * second moments), and the count of updates applied so far. A second fit
 * with the same optimizer continues from it; a model file can store it.
 */
export interface OptimizerState {
  optimizer: string;
  step: number;
  moments: Float32Array;
}

export interface TrainerOptions {
  readonly optimizer: OptimizerSettings;
  /** The largest batch a step will see. */
  readonly batchSize: number;
  /** Worker threads for the arithmetic (native only; 0 means choose). */
  readonly threads: number;
  /** Seed of the dropout masks. */
  readonly seed: number;
  /** Collect per-layer statistics (EpochResult.layerStats). Default false: no cost. */
  readonly probe?: boolean;
  /** Stops the creation (the native backend's sliced copy of the data) once aborted, rejecting with its reason. */
  readonly signal?: AbortSignal;
}

export interface EpochRequest {
  /** The sample order for this epoch; batches are consecutive slices of it. */
  readonly order: Uint32Array;
  readonly batchSize: number;
  readonly lr: number;
  /** 1-based; keys the dropout masks with the batch index. */
  readonly epoch: number;
  /**
   * Whether the optimizer state (moments) must be current in JS when the
   * epoch ends. Default true; fit passes false and calls syncState() when
   * something will read it (params are current after every epoch anyway).
   */
  readonly syncState?: boolean;
  /** Stops between batches once aborted. */
  readonly signal?: AbortSignal;
}

export interface EpochResult {
  /** Sum of per-sample training losses over the batches that ran. */
  readonly lossSum: number;
  /** Correctly classified samples among them (0 without labels). */
  readonly correct: number;
  /** Samples in the batches that ran and were applied. */
  readonly samples: number;
  /** Batches run and applied. */
  readonly steps: number;
  /**
   * Index within the epoch of the batch whose loss was NaN or Infinity, or
   * -1. That batch's update was not applied and no later batch ran.
   */
  readonly failedBatch: number;
  /** The loss value of the failed batch (NaN when none failed). */
  readonly failedLoss: number;
  /** True when the signal stopped the epoch early. */
  readonly aborted: boolean;
  /** Per-layer statistics of the epoch's applied steps, in plan order, when the trainer probes. */
  readonly layerStats?: LayerStats[];
}

/**
 * One fit's worth of training. Between epochs the JS params hold the
 * truth: an epoch trains them as they are when it starts, and when it ends
 * they and state.step are current; the moments are current after an epoch
 * run with syncState, after syncState(), and after dispose().
 */
export interface Trainer {
  trainEpoch(request: EpochRequest): Promise<EpochResult>;
  /** Brings state.moments up to date (between epochs). */
  syncState(): void;
  /** Brings the state up to date and frees workspaces; the trainer may not be used afterwards. */
  dispose(): void;
}

export interface Backend {
  readonly name: BackendName;
  /** Why this backend cannot run the plan (naming the layer's index and field), or null. */
  unsupported(plan: Plan): Error | null;
  /**
   * A trainer that updates params (plan.size) and state in place, epoch
   * by epoch. The native backend copies the data in slices while it is
   * being created (the event loop's turn between slices) and does not
   * read them after the promise resolves; the js backend reads them in
   * every epoch, and refuses them once transferred or resized.
   */
  createTrainer(plan: Plan, params: Float32Array, state: OptimizerState, data: TrainingData, options: TrainerOptions): Promise<Trainer>;
  /**
   * Activated outputs (probabilities for softmax / sigmoid) of n rows of x
   * into out, row-major (n, outputs). Synchronous: meant for moderate n.
   */
  predict(plan: Plan, params: Float32Array, x: Float32Array, n: number, out: Float32Array): void;
  /**
   * predict off the JS thread where the backend can (native: params and x
   * are copied when called, the rows computed on a worker thread); the js
   * backend computes at once. Either way x and params are read before the
   * call returns, so the caller may reuse x for the next call. Callers
   * bound n: the copy of x is made on the JS thread.
   */
  predictAsync(plan: Plan, params: Float32Array, x: Float32Array, n: number): Promise<Float32Array>;
  /**
   * Rows a predictAsync call should take: a few ms of work on the JS
   * thread, and (native) whole chunks of the addon's predict, so that
   * outputs are the same bits as predict's.
   */
  predictAsyncRows(plan: Plan): number;
}
