/**
 * The native backend: the same Backend as reference.ts, computed by the C++
 * addon (native/) over OpenBLAS. This file loads the addon (one loader, one
 * clear failure) and adapts its API to the Backend interface; every argument
 * is re-checked in C++ before memory is touched.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivationCode, LEAKY_RELU_SLOPE, LossCode, OptimizerCode } from '../spec.js';
import type { UpdateHyper } from './reference-kernels.js';
import type {
  Backend,
  EpochRequest,
  EpochResult,
  ModelShape,
  OptimizerSettings,
  Trainer,
  TrainerOptions,
  TrainingData,
} from './types.js';

/** The ABI version this file speaks (native/binding/addon.cc kAbiVersion). */
const ABI_VERSION = 1;

/** Hyper-parameters of one optimizer update: the same object the reference kernel takes. */
export type NativeUpdateHyper = UpdateHyper;

/**
 * The kernels, synchronous, same names and argument order as reference-kernels.ts.
 * denseForward and denseBackward take an optional trailing `threads`: 0 or
 * absent chooses by the work (one thread below 8 MFLOP), 1 runs on the
 * calling thread, n cuts the work into n parts (batch rows; rows of W for
 * dW) on a persistent pool; a given n gives the same bits on every call.
 */
export interface NativeKernels {
  denseForward(
    y: Float32Array,
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    batch: number,
    inputs: number,
    outputs: number,
    act: number,
    threads?: number,
  ): void;
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
    act: number,
    threads?: number,
  ): void;
  outputLoss(
    dz: Float32Array,
    z: Float32Array,
    labels: Int32Array | null,
    targets: Float32Array | null,
    batch: number,
    outputs: number,
    outputAct: number,
    loss: number,
  ): { lossSum: number; correct: number };
  optimizerUpdate(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array | null,
    v: Float32Array | null,
    count: number,
    hyper: NativeUpdateHyper,
  ): void;
  /**
   * c (m, n) = a (m, k) b (k, n), row-major, the rows of c split over
   * `threads` threads (default 1), each a single-threaded OpenBLAS call.
   * For measuring the machine's GEMM roof.
   */
  sgemm(c: Float32Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, threads?: number): void;
}

/** A network's shape in codes, as the addon takes it. */
export interface NativeShape {
  sizes: readonly number[];
  activation: number;
  output: number;
}

export interface NativeTrainerConfig extends NativeShape {
  loss: number;
  batchSize: number;
  /** 0 chooses by the work per step. */
  threads: number;
  /** The optimizer settings with the kind as its numeric code. */
  optimizer: Omit<OptimizerSettings, 'kind'> & { kind: number };
}

/** addon.Trainer: holds params and data (zero-copy) for its whole life. */
export interface NativeTrainerHandle {
  /** Runs all batches of one epoch off the JS thread. cancel[0] != 0 stops it between batches. */
  trainEpoch(order: Uint32Array, batchSize: number, lr: number, cancel?: Int32Array): Promise<EpochResult>;
  dispose(): void;
  readonly threads: number;
  readonly running: boolean;
  readonly disposed: boolean;
}

export interface NativeAddon {
  readonly abiVersion: number;
  readonly codes: {
    activation: Record<string, number>;
    loss: Record<string, number>;
    optimizer: Record<string, number>;
    leakyReluSlope: number;
  };
  /** OpenBLAS's build configuration and the CPU core it chose. */
  readonly blas: { config: string; core: string };
  availableCpus(): number;
  /** The threads a trainer would use for this network, batch and request (0 = choose). */
  chooseThreads(sizes: readonly number[], batchSize: number, threads: number): number;
  readonly kernels: NativeKernels;
  predict(params: Float32Array, shape: NativeShape, x: Float32Array, n: number, out: Float32Array): void;
  readonly Trainer: new (params: Float32Array, data: TrainingData, config: NativeTrainerConfig) => NativeTrainerHandle;
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

/** Why a loaded addon cannot be used with this build of the TypeScript side, or null. */
function incompatibility(addon: NativeAddon): string | null {
  if (addon.abiVersion !== ABI_VERSION) {
    return `it speaks ABI version ${String(addon.abiVersion)}, this package needs ${ABI_VERSION} (a stale build)`;
  }
  const tables: [string, Record<string, number>, Record<string, number>][] = [
    ['activation', ActivationCode, addon.codes.activation],
    ['loss', LossCode, addon.codes.loss],
    ['optimizer', OptimizerCode, addon.codes.optimizer],
  ];
  for (const [what, expected, actual] of tables) {
    for (const [name, code] of Object.entries(expected)) {
      if (actual[name] !== code) {
        return `its ${what} code for "${name}" is ${String(actual[name])}, src/spec.ts says ${code} (a stale build)`;
      }
    }
  }
  if (addon.codes.leakyReluSlope !== LEAKY_RELU_SLOPE) {
    return `its leaky ReLU slope is ${addon.codes.leakyReluSlope}, src/spec.ts says ${LEAKY_RELU_SLOPE}`;
  }
  return null;
}

function load(): { addon: NativeAddon } | { error: Error } {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const { file, label } of candidatePaths()) {
    try {
      const addon = require(file) as NativeAddon;
      const problem = incompatibility(addon);
      if (problem === null) return { addon };
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
        `To fix: build it with \`npm run build:native\`${override}; the build needs OpenBLAS, ` +
          'cmake and a C++ compiler: `apt-get install libopenblas-dev cmake g++`. ' +
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

function codeOf<T extends Record<string, number>>(table: T, what: string, name: string): number {
  const code = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (code === undefined) {
    throw new TypeError(`${what} must be one of ${Object.keys(table).map((k) => `"${k}"`).join(', ')}, received ${JSON.stringify(name)}`);
  }
  return code;
}

function nativeShape(shape: ModelShape): NativeShape {
  return {
    sizes: shape.sizes,
    activation: codeOf(ActivationCode, 'shape.activation', shape.activation),
    output: codeOf(ActivationCode, 'shape.output', shape.output),
  };
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

export class NativeTrainer implements Trainer {
  private readonly handle: NativeTrainerHandle;

  constructor(params: Float32Array, data: TrainingData, options: TrainerOptions) {
    const addon = loadNativeAddon();
    const { shape, optimizer } = options;
    const config: NativeTrainerConfig = {
      ...nativeShape(shape),
      loss: codeOf(LossCode, 'shape.loss', shape.loss),
      batchSize: options.batchSize,
      threads: options.threads,
      optimizer: {
        kind: codeOf(OptimizerCode, 'optimizer.kind', optimizer.kind),
        momentum: optimizer.momentum,
        nesterov: optimizer.nesterov,
        beta1: optimizer.beta1,
        beta2: optimizer.beta2,
        epsilon: optimizer.epsilon,
        weightDecay: optimizer.weightDecay,
      },
    };
    const holder = new Error();
    try {
      this.handle = new addon.Trainer(params, data, config);
    } catch (error) {
      throw withJsStack(error, holder);
    }
  }

  /** The threads this trainer's steps run on. */
  get threads(): number {
    return this.handle.threads;
  }

  async trainEpoch(request: EpochRequest): Promise<EpochResult> {
    const { order, batchSize, lr, signal } = request;
    const holder = new Error();
    if (signal?.aborted) return { ...ABORTED_BEFORE_START };
    // The addon reads cancel[0] between batches from its own thread.
    const cancel = new Int32Array(1);
    const onAbort = (): void => {
      Atomics.store(cancel, 0, 1);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.handle.trainEpoch(order, batchSize, lr, cancel);
    } catch (error) {
      throw withJsStack(error, holder);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  dispose(): void {
    this.handle.dispose();
  }
}

export const nativeBackend: Backend = {
  name: 'native',
  createTrainer(params: Float32Array, data: TrainingData, options: TrainerOptions): Trainer {
    return new NativeTrainer(params, data, options);
  },
  predict(params: Float32Array, shape: ModelShape, x: Float32Array, n: number, out: Float32Array): void {
    const addon = loadNativeAddon();
    const holder = new Error();
    try {
      addon.predict(params, nativeShape(shape), x, n, out);
    } catch (error) {
      throw withJsStack(error, holder);
    }
  },
};
