/**
 * The one boundary between the training loop and the arithmetic. The
 * reference backend (pure TypeScript) and the native backend (C++ and
 * OpenBLAS) implement it with the same meaning; tests hold one against the
 * other.
 */
import type { HiddenActivation, LossName, OptimizerName, OutputActivation } from '../spec.js';

export type BackendName = 'js' | 'native';

/** The network's architecture, as the kernels need it. */
export interface ModelShape {
  /** Layer sizes, inputs first: [64, 128, 10]. */
  readonly sizes: readonly number[];
  readonly activation: HiddenActivation;
  readonly output: OutputActivation;
  readonly loss: LossName;
}

export interface OptimizerSettings {
  readonly kind: OptimizerName;
  /** Momentum coefficient (momentum optimizer). */
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** L2 decay on weights (not biases); decoupled for AdamW. */
  readonly weightDecay: number;
}

/**
 * Training data bound to a trainer for its whole life. Nothing is copied:
 * the native backend reads these arrays in place.
 */
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

export interface TrainerOptions {
  readonly shape: ModelShape;
  readonly optimizer: OptimizerSettings;
  /** The largest batch a step will see. */
  readonly batchSize: number;
  /** Worker threads for the arithmetic (native only; 0 means choose). */
  readonly threads: number;
}

export interface EpochRequest {
  /** The sample order for this epoch; batches are consecutive slices of it. */
  readonly order: Uint32Array;
  readonly batchSize: number;
  readonly lr: number;
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
}

/**
 * One fit's worth of state: the parameters it updates in place (shared
 * with the Network), gradients, optimizer state and workspaces.
 */
export interface Trainer {
  trainEpoch(request: EpochRequest): Promise<EpochResult>;
  /** Frees workspaces; the trainer may not be used afterwards. */
  dispose(): void;
}

export interface Backend {
  readonly name: BackendName;
  /**
   * A trainer that updates `params` in place. The caller keeps params and
   * data alive and unchanged in size while the trainer lives.
   */
  createTrainer(params: Float32Array, data: TrainingData, options: TrainerOptions): Trainer;
  /**
   * Activated outputs (probabilities for softmax / sigmoid) of n rows of x
   * into out, row-major (n, outputs). Synchronous: meant for moderate n.
   */
  predict(params: Float32Array, shape: ModelShape, x: Float32Array, n: number, out: Float32Array): void;
}
