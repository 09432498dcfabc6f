/**
 * The native backend: the same Backend as reference.ts, computed by the C++
 * addon (native/) over OpenBLAS. This file loads the addon (one loader, one
 * clear failure), checks that its op tables agree with the TypeScript
 * registry, and adapts its API to the Backend interface; every argument is
 * re-checked in C++ before memory is touched.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTIVATIONS } from '../ops/activations/index.js';
import { LEAKY_RELU_SLOPE } from '../ops/activations/leaky-relu.js';
import { LAYER_KIND_NAMES } from '../ops/layers/index.js';
import { LOSSES_BY_NAME } from '../ops/losses/index.js';
import { OPTIMIZERS_BY_NAME } from '../ops/optimizers/index.js';
import type { UpdateHyper } from '../ops/types.js';
import type { Plan } from '../plan.js';
import { rowsPerSlice, turnTaken, yieldWhenDue } from '../cooperative.js';
import { rebuildCommand } from '../io/descent-version.js';
import type { LayerStats } from './layer-stats.js';
import type { Backend, EpochRequest, EpochResult, OptimizerSettings, OptimizerState, Trainer, TrainerOptions, TrainingData } from './types.js';

/** The ABI version this file speaks (native/binding/addon.cc kAbiVersion). */
const ABI_VERSION = 5;

/** The tag of the dropout mask generator both sides implement (ops/layers/dropout-mask.ts). */
const DROPOUT_HASH = 'lowbias32-weyl';

/**
 * The kernels, synchronous, with the names and argument order of
 * reference-kernels.ts; ops by name. denseForward and denseBackward take an
 * optional trailing `threads`: 0 or absent chooses by the work, n cuts the
 * work into n parts on a persistent pool.
 */
export interface NativeKernels {
  denseForward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array, batch: number, inputs: number, outputs: number, act: string, threads?: number): void;
  denseBackward(
    dw: Float32Array,
    db: Float32Array,
    dx: Float32Array | null,
    dy: Float32Array,
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    batch: number,
    inputs: number,
    outputs: number,
    act: string,
    threads?: number,
  ): void;
  activationForward(a: Float32Array, z: Float32Array, count: number, act: string): void;
  activationBackward(dz: Float32Array, dy: Float32Array, z: Float32Array, a: Float32Array, count: number, act: string): void;
  outputLoss(
    dz: Float32Array,
    z: Float32Array,
    labels: Int32Array | null,
    targets: Float32Array | null,
    batch: number,
    outputs: number,
    outputAct: string,
    loss: string,
  ): { lossSum: number; correct: number };
  /** moments: slot k of element i at k * count + i, or null for an optimizer without state. */
  optimizerUpdate(p: Float32Array, g: Float32Array, moments: Float32Array | null, count: number, hyper: UpdateHyper): void;
  dropoutForward(y: Float32Array, x: Float32Array, rows: number, width: number, rate: number, seed: number, epoch: number, step: number, layer: number): void;
  dropoutBackward(dx: Float32Array, dy: Float32Array, rows: number, width: number, rate: number, seed: number, epoch: number, step: number, layer: number): void;
  /**
   * c (m, n) = a (m, k) b (k, n), row-major, the rows of c split over
   * `threads` threads (default 1), each a single-threaded OpenBLAS call.
   * For measuring the machine's GEMM roof.
   */
  sgemm(c: Float32Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, threads?: number): void;
}

export interface NativeTrainerConfig {
  batchSize: number;
  /** 0 chooses by the work per step. */
  threads: number;
  /** Seed of the dropout masks. */
  seed: number;
  /** Updates already applied to the state (Adam's bias correction continues from it). */
  step: number;
  optimizer: OptimizerSettings;
  /** Collect per-layer statistics every epoch (layerStats()). Default false. */
  probe?: boolean;
}

/**
 * addon.Trainer: the constructor checks its arguments and allocates
 * nothing; prepare() allocates the trainer's memory and starts its threads
 * off the JS thread, then copies in params and moments; loadRows copies
 * the data's rows, and each epoch copies params and the order, so the
 * trainer trains on its own copies and JS cannot free or change what a
 * worker thread reads. When an epoch ends it writes params back (and the
 * moments with syncState); the result carries the step count.
 */
export interface NativeTrainerHandle {
  /** Allocates on a worker thread; resolves once params and moments are copied in. */
  prepare(): Promise<void>;
  /** Copies the next count rows of the data it was given (after prepare); returns the rows loaded so far. */
  loadRows(count: number): number;
  trainEpoch(order: Uint32Array, batchSize: number, lr: number, epoch: number, syncState?: boolean): Promise<EpochResult & { step: number }>;
  /** Writes the moments back into the JS array; returns the step count. */
  writeState(): number;
  /** Stops the running epoch before its next batch. */
  cancel(): void;
  dispose(): void;
  readonly threads: number;
  readonly step: number;
  readonly running: boolean;
  readonly disposed: boolean;
  /** The last epoch's per-layer statistics; only for a trainer made with config.probe. */
  layerStats(): LayerStats[];
}

/** The addon's op tables, generated from native/kernels/ops.h. */
export interface NativeOps {
  activation: Record<string, { hidden: boolean; output: boolean; derivative: 'output' | 'input' | 'row' }>;
  loss: Record<string, { outputs: string[] }>;
  optimizer: Record<string, { slots: number }>;
  layer: string[];
  leakyReluSlope: number;
  dropoutHash: string;
}

export interface NativeAddon {
  readonly abiVersion: number;
  readonly ops: NativeOps;
  /** OpenBLAS's build configuration and the CPU core it chose. */
  readonly blas: { config: string; core: string };
  availableCpus(): number;
  /** The threads a trainer would use for this plan, batch and request (0 = choose). */
  chooseThreads(plan: Plan, batchSize: number, threads: number): number;
  readonly kernels: NativeKernels;
  predict(plan: Plan, params: Float32Array, x: Float32Array, n: number, out: Float32Array): void;
  /**
   * predict computes the plan's rows in chunks of this many, counted from
   * row 0: a power of two, at most 256, fewer when its widest layer would
   * make a workspace hold more than 2^22 values.
   */
  predictChunkRows(plan: Plan): number;
  /** predict on a worker thread, on copies of params and x made when called. */
  predictAsync(plan: Plan, params: Float32Array, x: Float32Array, n: number): Promise<Float32Array>;
  /**
   * The process-wide CPU share: leases held now by trainers and predict
   * calls, the threads they hold, and the most threads ever held beyond
   * one per lease (at most availableCpus() - 1 unless a count was named).
   */
  threadLeases(): { leases: number; threads: number; peakExtra: number };
  /** Background threads started from now on run at the process's nice + n (n in [0, 19]; default 5). */
  setBackgroundNice(n: number): void;
  readonly Trainer: new (
    plan: Plan,
    params: Float32Array,
    moments: Float32Array,
    data: TrainingData,
    config: NativeTrainerConfig,
  ) => NativeTrainerHandle;
}

// --- Loading ---------------------------------------------------------------

const ADDON_FILE = 'descent_native.node';
/** The package root: this file is src/backend/native.ts or dist/backend/native.js. */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let loaded: { addon: NativeAddon } | { error: Error } | undefined;

/** Where the addon may be, in the order tried, with how each is named in the error. */
function candidatePaths(): { file: string; label: string }[] {
  const candidates: { file: string; label: string }[] = [];
  const override = process.env.DESCENT_NATIVE_PATH;
  // An explicit path is the only one tried: an embedder who names a file
  // wants that file or an error, not a silent fallback to another build.
  if (override) return [{ file: path.resolve(override), label: `DESCENT_NATIVE_PATH=${override}` }];
  for (const config of ['Release', 'Debug']) {
    const file = path.join(packageRoot, 'build', config, ADDON_FILE);
    candidates.push({ file, label: file });
  }
  return candidates;
}

/**
 * Why a loaded addon cannot be used with this build of the TypeScript side,
 * or null. An op the addon lacks is not a reason (an addon built before the
 * op existed still runs the plans without it: see unsupported()); an op
 * both know but describe differently is.
 */
function incompatibility(addon: NativeAddon): string | null {
  if (addon.abiVersion !== ABI_VERSION) {
    return `it speaks ABI version ${String(addon.abiVersion)}, this package needs ${ABI_VERSION} (a stale build)`;
  }
  const { ops } = addon;
  for (const [name, op] of Object.entries(ACTIVATIONS)) {
    const theirs = ops.activation[name];
    if (theirs && (theirs.hidden !== op.hidden || theirs.output !== op.output || theirs.derivative !== op.derivative)) {
      return `its activation "${name}" is ${JSON.stringify(theirs)}, the TypeScript registry says hidden ${op.hidden}, output ${op.output}, derivative "${op.derivative}" (a stale build)`;
    }
  }
  for (const [name, op] of Object.entries(LOSSES_BY_NAME)) {
    const theirs = ops.loss[name];
    if (theirs && [...theirs.outputs].sort().join() !== [...op.outputs].sort().join()) {
      return `its loss "${name}" accepts outputs ${theirs.outputs.join(', ')}, the TypeScript registry says ${op.outputs.join(', ')} (a stale build)`;
    }
  }
  for (const [name, op] of Object.entries(OPTIMIZERS_BY_NAME)) {
    const theirs = ops.optimizer[name];
    if (theirs && theirs.slots !== op.slots) {
      return `its optimizer "${name}" keeps ${theirs.slots} state slots, the TypeScript registry says ${op.slots} (a stale build)`;
    }
  }
  if (ops.leakyReluSlope !== LEAKY_RELU_SLOPE) {
    return `its leaky ReLU slope is ${ops.leakyReluSlope}, the TypeScript registry says ${LEAKY_RELU_SLOPE}`;
  }
  if (ops.dropoutHash !== DROPOUT_HASH) {
    return `its dropout masks come from "${ops.dropoutHash}", the TypeScript side uses "${DROPOUT_HASH}"`;
  }
  return null;
}

/**
 * DESCENT_BACKGROUND_NICE: how far below the process's priority descent's
 * training and prediction threads run (0 to 19, default 5; 0 runs them at
 * the JS thread's priority, for a machine that does nothing but train).
 */
function backgroundNice(): number | Error | null {
  const text = process.env.DESCENT_BACKGROUND_NICE;
  if (text === undefined || text === '') return null;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value > 19) {
    return new RangeError(`descent: DESCENT_BACKGROUND_NICE must be an integer from 0 to 19 (how far below the process's priority its threads run), received ${JSON.stringify(text)}`);
  }
  return value;
}

function load(): { addon: NativeAddon } | { error: Error } {
  const nice = backgroundNice();
  if (nice instanceof Error) return { error: nice };
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const { file, label } of candidatePaths()) {
    try {
      const addon = require(file) as NativeAddon;
      const problem = incompatibility(addon);
      if (problem === null) {
        if (nice !== null) addon.setBackgroundNice(nice);
        return { addon };
      }
      tried.push(`  - ${label}: loaded, but ${problem}`);
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      tried.push(`  - ${label}: ${message}`);
    }
  }
  const override = process.env.DESCENT_NATIVE_PATH
    ? ''
    : ' (or set DESCENT_NATIVE_PATH to a built descent_native.node)';
  return {
    error: new Error(
      [
        'descent: the native backend could not be loaded. Tried:',
        ...tried,
        `To fix: build it with ${rebuildCommand()}${override}; the build needs OpenBLAS, ` +
          'cmake and a C++ compiler: `apt-get install libopenblas-dev cmake g++ make`. ' +
          "Or use the pure TypeScript backend ('js').",
      ].join('\n'),
    ),
  };
}

/** The addon, loaded on first use; throws one Error listing every path tried and how to fix it. */
export function loadNativeAddon(): NativeAddon {
  loaded ??= load();
  if ('error' in loaded) throw loaded.error;
  return loaded.addon;
}

/** Whether the native backend can be used here. */
export function nativeAvailable(): boolean {
  loaded ??= load();
  return 'addon' in loaded;
}

/** Why the native backend cannot be used, or undefined when it can. */
export function nativeLoadError(): Error | undefined {
  loaded ??= load();
  return 'error' in loaded ? loaded.error : undefined;
}

// --- Errors ------------------------------------------------------------------

/**
 * A native error re-thrown with the stack captured before the native call
 * (native frames have none), keeping its class and message.
 */
function withJsStack(native: unknown, holder: Error): unknown {
  if (!(native instanceof Error)) return native;
  const ErrorClass = native instanceof RangeError ? RangeError : native instanceof TypeError ? TypeError : Error;
  const error = new ErrorClass(native.message);
  const frames = (holder.stack ?? '').split('\n').slice(1).join('\n');
  error.stack = `${error.name}: ${error.message}\n${frames}`;
  return error;
}

const REBUILD = `rebuild the addon (${rebuildCommand()}) or use backend 'js'`;

/**
 * Why this addon cannot run a plan: a layer kind, activation or loss it
 * was built without (an addon older than the op), named by layer index and
 * field. Null when it can.
 */
export function nativeUnsupported(plan: Plan, addon: NativeAddon = loadNativeAddon()): Error | null {
  for (let i = 0; i < plan.layers.length; i++) {
    const layer = plan.layers[i];
    if (!addon.ops.layer.includes(layer.kind)) {
      return new TypeError(`plan[${i}].kind "${layer.kind}" is not in this build of the native addon (built before it existed): ${REBUILD}`);
    }
    if (layer.kind === 'activation' && typeof layer.activation !== 'string') {
      return new TypeError(
        `plan[${i}].activation is the custom activation "${layer.activation.name}", which the native backend cannot run (it runs only the built-in activations): use backend 'js' or 'auto'`,
      );
    }
    if ((layer.kind === 'activation' || layer.kind === 'output') && !addon.ops.activation[String(layer.activation)]) {
      return new TypeError(`plan[${i}].activation "${layer.activation}" is not in this build of the native addon (built before it existed): ${REBUILD}`);
    }
    if (layer.kind === 'output' && !addon.ops.loss[layer.loss]) {
      return new TypeError(`plan[${i}].loss "${layer.loss}" is not in this build of the native addon (built before it existed): ${REBUILD}`);
    }
  }
  return null;
}

/** Why the addon cannot run an optimizer, naming the option, or null. */
function optimizerUnsupported(name: string, addon: NativeAddon): Error | null {
  if (addon.ops.optimizer[name]) return null;
  return new TypeError(`options.optimizer "${name}" is not in this build of the native addon (built before it existed): ${REBUILD}`);
}

// --- The backend -------------------------------------------------------------

const ABORTED_BEFORE_START: EpochResult = {
  lossSum: 0,
  correct: 0,
  samples: 0,
  steps: 0,
  failedBatch: -1,
  failedLoss: NaN,
  aborted: true,
};

/**
 * Bytes of data a trainer copies in one call: its pages are resident
 * (prepare touched them), and a copy into resident memory runs at 5-10
 * GB/s, so 4 MiB holds the loop for about 0.5-1 ms; the loop gets a turn
 * whenever the slices since its last one pass SLICE_MS.
 */
const LOAD_SLICE_BYTES = 4 << 20;

export class NativeTrainer implements Trainer {
  private constructor(
    private readonly handle: NativeTrainerHandle,
    private readonly state: OptimizerState,
    /** Whether epochs report per-layer statistics (options.probe). */
    private readonly probe: boolean,
  ) {}

  /**
   * A trainer with the data copied in, a slice of rows at a time with the
   * event loop's turn between slices.
   */
  static async create(plan: Plan, params: Float32Array, state: OptimizerState, data: TrainingData, options: TrainerOptions): Promise<NativeTrainer> {
    const addon = loadNativeAddon();
    const problem = nativeUnsupported(plan, addon) ?? optimizerUnsupported(options.optimizer.kind, addon);
    if (problem) throw problem;
    const config: NativeTrainerConfig = {
      batchSize: options.batchSize,
      threads: options.threads,
      seed: options.seed,
      step: state.step,
      optimizer: options.optimizer,
      probe: options.probe ?? false,
    };
    const holder = new Error();
    let handle: NativeTrainerHandle | undefined;
    try {
      handle = new addon.Trainer(plan, params, state.moments, data, config);
      await handle.prepare();
      turnTaken();
      const rowBytes = plan.inputs * data.x.BYTES_PER_ELEMENT + (data.labels ? 4 : plan.outputs * 4);
      const sliceRows = Math.max(1, Math.floor(LOAD_SLICE_BYTES / rowBytes));
      for (let loaded = 0; loaded < data.n; ) {
        await yieldWhenDue();
        options.signal?.throwIfAborted();
        loaded = handle.loadRows(Math.min(sliceRows, data.n - loaded));
      }
    } catch (error) {
      handle?.dispose();
      // The signal's reason as the caller gave it (an AbortError keeps its name).
      if (options.signal?.aborted && error === options.signal.reason) throw error;
      throw withJsStack(error, holder);
    }
    return new NativeTrainer(handle, state, config.probe ?? false);
  }

  /** The threads this trainer's steps run on. */
  get threads(): number {
    return this.handle.threads;
  }

  async trainEpoch(request: EpochRequest): Promise<EpochResult> {
    const { order, batchSize, lr, epoch, signal } = request;
    const holder = new Error();
    if (signal?.aborted) return { ...ABORTED_BEFORE_START };
    const onAbort = (): void => this.handle.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { step, ...result } = await this.handle.trainEpoch(order, batchSize, lr, epoch, request.syncState ?? true);
      this.state.step = step;
      return this.probe ? { ...result, layerStats: this.handle.layerStats() } : result;
    } catch (error) {
      throw withJsStack(error, holder);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  syncState(): void {
    if (!this.handle.disposed && !this.handle.running) this.state.step = this.handle.writeState();
  }

  dispose(): void {
    try {
      this.syncState();
    } finally {
      this.handle.dispose();
    }
  }
}

export const nativeBackend: Backend = {
  name: 'native',
  unsupported(plan: Plan): Error | null {
    return nativeUnsupported(plan);
  },
  createTrainer(plan, params, state, data, options): Promise<Trainer> {
    return NativeTrainer.create(plan, params, state, data, options);
  },
  predictAsyncRows(plan: Plan): number {
    // About 512K input values (a copy of 1-3 ms on the JS thread), in whole predict chunks.
    const chunk = loadNativeAddon().predictChunkRows(plan);
    return Math.max(1, Math.floor((rowsPerSlice(plan.inputs) * 8) / chunk)) * chunk;
  },
  async predictAsync(plan: Plan, params: Float32Array, x: Float32Array, n: number): Promise<Float32Array> {
    const addon = loadNativeAddon();
    const problem = nativeUnsupported(plan, addon);
    if (problem) throw problem;
    const holder = new Error();
    try {
      return await addon.predictAsync(plan, params, x, n);
    } catch (error) {
      throw withJsStack(error, holder);
    }
  },
  predict(plan: Plan, params: Float32Array, x: Float32Array, n: number, out: Float32Array): void {
    const addon = loadNativeAddon();
    const problem = nativeUnsupported(plan, addon);
    if (problem) throw problem;
    const holder = new Error();
    try {
      addon.predict(plan, params, x, n, out);
    } catch (error) {
      throw withJsStack(error, holder);
    }
  },
};
