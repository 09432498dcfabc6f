/**
 * The Network: a plan, its one contiguous parameter buffer, the optimizer
 * state beside it, and the verbs a user calls (fit, evaluate, predict).
 */
import { selectBackend, type BackendChoice } from './backend/select.js';
import type { Backend, OptimizerState } from './backend/types.js';
import { explicitPlan, initializeParameters, shorthandPlan } from './build-plan.js';
import { expectWhole, runYielding, yieldToEventLoop, type Watched } from './cooperative.js';
import { checkDataset, checkDatasetJob, DEFAULT_BYTE_SCALE, inputRows, inputRowsJob, recheckAnswersJob, type CheckedData, type Dataset } from './data/dataset.js';
import { preprocessRows, preprocessRowsJob, type Preprocessing } from './data/preprocess.js';
import { predictedClass } from './ops/activations/apply.js';
import type { OutputActivation } from './ops/activations/index.js';
import type { LayerActivation } from './ops/activations/custom.js';
import type { LossName } from './ops/losses/index.js';
import type { InitName } from './ops/types.js';
import { denseLayers, layerSizes, outputLayer, targetRangeOf, type LayerSpec, type Plan } from './plan.js';
import { modelFromJSON, modelToJSON, type ModelJSON } from './io/model-json.js';
import { readModelFile, writeModelFile } from './io/model-io.js';
import { networkToOnnx, type OnnxOptions } from './onnx/export.js';
import { checkLoadOptions, modelPartsOf, restoreNetwork, type LoadOptions, type SaveOptions } from './io/network-model.js';
import { fit, type History } from './train/fit.js';
import { evaluateOutputs, type Evaluation } from './train/metrics.js';
import type { FitOptions } from './train/options.js';
import { describe, expectFilePath, expectKnownKeys, expectNonNegativeInteger, expectObject } from './validate.js';

/**
 * A network in one of two forms: the shorthand `layers` (with activation,
 * output, loss, dropout), or an explicit `plan` of layer descriptors after
 * `inputs`.
 */
export interface NetworkOptions {
  /** Layer sizes, inputs first: [64, 128, 10] is one hidden layer of 128. */
  layers?: readonly number[];
  /** Hidden activation: a name, or a custom { name, f, derivative } (js backend only). Default 'relu'. */
  activation?: LayerActivation;
  /** Output activation. Default 'softmax'. */
  output?: OutputActivation;
  /** Default: cross-entropy for softmax, binary-cross-entropy for sigmoid, mse otherwise. */
  loss?: LossName;
  /** Dropout rate after every hidden activation, in [0, 1). Default 0 (none). */
  dropout?: number;
  /** Features per row, with `plan`. */
  inputs?: number;
  /**
   * The layers after the inputs, in order, ending in an output layer:
   * `{ kind: 'dense', units, init? }`, `{ kind: 'activation', activation }`,
   * `{ kind: 'dropout', rate }`, `{ kind: 'output', activation, loss? }`.
   */
  plan?: readonly LayerSpec[];
  /** Default: what suits the (first) hidden activation: 'he' for ReLU-like units, 'glorot' otherwise. */
  init?: InitName;
  /** Seed of the initial weights (and, by default, of the batch order and dropout). Default 0. */
  seed?: number;
  /** Default 'auto': native when its addon is built (and has every op of the plan), js otherwise. */
  backend?: BackendChoice;
}

/**
 * Rows preprocessed and predicted at a time: bounded memory for any input.
 * A whole number of the native predict's chunks (a power of two, at most
 * 256), so the outputs are the bits of one call.
 */
const PREDICT_CHUNK = 4096;

const SHORTHAND_OPTIONS = ['layers', 'activation', 'output', 'loss', 'dropout'] as const;
const NETWORK_OPTION_NAMES = [...SHORTHAND_OPTIONS, 'inputs', 'plan', 'init', 'seed', 'backend'] as const;

/** The loss that goes with an output activation when none is named. */
export { defaultLossFor, defaultInitFor } from './ops/defaults.js';

export class Network {
  /** The layers, as both backends run them and model files store them. */
  readonly plan: Plan;
  readonly seed: number;
  /** Every weight and bias, dense layer after dense layer: W (inputs x units, row-major), then b. */
  readonly params: Float32Array;
  readonly backend: Backend;
  /**
   * The optimizer state beside params (moments laid out like them, and the
   * update count), or null before the first fit. A later fit with the same
   * optimizer continues from it.
   */
  optimizerState: OptimizerState | null = null;
  /** The input preprocessing fit by `fit` (options.preprocess), or null: applied by evaluate and predict too. */
  preprocessing: Preprocessing | null = null;
  /** Class names, index by index, from the training data's labelNames (CSV labels), or null. */
  labelNames: string[] | null = null;
  private training = false;

  constructor(options: NetworkOptions) {
    const o = expectObject('options', options);
    expectKnownKeys('options', o, NETWORK_OPTION_NAMES);
    if (o.plan !== undefined || o.inputs !== undefined) {
      const mixed = SHORTHAND_OPTIONS.find((key) => o[key] !== undefined);
      if (mixed) {
        throw new TypeError(`options.${mixed} belongs to the shorthand form; with options.plan, write it as a layer of the plan`);
      }
      this.plan = explicitPlan(o.inputs, o.plan, o.init);
    } else {
      this.plan = shorthandPlan(o);
    }
    this.seed = expectNonNegativeInteger('seed', o.seed ?? 0);
    this.backend = selectBackend(o.backend ?? 'auto', this.plan);
    this.params = new Float32Array(this.plan.size);
    initializeParameters(this.params, this.plan, this.seed);
  }

  /** Layer sizes, inputs first. */
  get layers(): readonly number[] {
    return layerSizes(this.plan);
  }
  /** The first hidden activation ('linear' when there is none). */
  get activation(): LayerActivation {
    const first = this.plan.layers.find((layer) => layer.kind === 'activation');
    return first?.kind === 'activation' ? first.activation : 'linear';
  }
  get output(): OutputActivation {
    return outputLayer(this.plan).activation;
  }
  get loss(): LossName {
    return outputLayer(this.plan).loss;
  }
  /** The initialisation of the first dense layer. */
  get init(): InitName {
    return denseLayers(this.plan)[0].init;
  }
  get inputs(): number {
    return this.plan.inputs;
  }
  get outputs(): number {
    return this.plan.outputs;
  }

  /**
   * Trains in place and resolves to the per-epoch history. Rejects when the
   * loss or the weights stop being finite (TrainingDivergedError; the
   * network keeps finite weights, and the error says which), when
   * the signal aborts, and when this network is already training.
   */
  async fit(data: Dataset, options: FitOptions = {}): Promise<History> {
    if (this.training) {
      throw new Error('this network is already training: await the running fit() before starting another');
    }
    this.training = true;
    try {
      return await fit(this, data, options);
    } finally {
      this.training = false;
    }
  }

  /**
   * Mean loss; for classifiers accuracy, per-class scores and the
   * confusion matrix (its non-zero cells beyond 1,024 classes:
   * MAX_CONFUSION_CLASSES); for regressors MAE, RMSE and R².
   */
  evaluate(data: Dataset): Evaluation {
    return this.evaluateChecked(checkDataset('data', data, this.inputs, this.outputs, targetRangeOf(this.plan)));
  }

  /**
   * evaluate() without holding the event loop: the data are checked in
   * slices and the rows computed off the JS thread on the native backend.
   * The same result as evaluate(). Do not change the data or the network
   * while it runs.
   */
  async evaluateAsync(data: Dataset): Promise<Evaluation> {
    return this.evaluateCheckedAsync(await runYielding(checkDatasetJob('data', data, this.inputs, this.outputs, targetRangeOf(this.plan))));
  }

  /** evaluate() on data already checked. */
  evaluateChecked(data: CheckedData): Evaluation {
    const outputs = this.outputsOf(data.x, data.xScale, data.n);
    return this.evaluationOf(data, outputs);
  }

  /**
   * evaluateAsync() on data already checked (fit's validation set, which
   * asks for no details: the loss and accuracy alone).
   */
  async evaluateCheckedAsync(data: CheckedData, details = true): Promise<Evaluation> {
    const outputs = await this.outputsOfAsync(`${data.name}.x`, data.x, data.xScale, data.n);
    // JS ran meanwhile (and, for a fit's validation set, since it was
    // checked): the answers are read as they are now, checked again.
    await runYielding(recheckAnswersJob(data, this.outputs));
    return this.evaluationOf(data, outputs, details);
  }

  private evaluationOf(data: CheckedData, outputs: Float32Array, details = true): Evaluation {
    return evaluateOutputs(outputs, this.outputs, this.loss, data.labels, data.targets, data.classes, this.labelNames, details);
  }

  /**
   * Activated outputs for rows of inputs: probabilities for softmax and
   * sigmoid outputs, a Float32Array of n x outputs. x is a Float32Array of
   * n x inputs values (row-major), a Uint8Array of bytes standing for
   * byte / 255 (as in a dataset), one row as a number[], or rows as
   * number[][]. The network's preprocessing is applied first.
   */
  predict(x: Float32Array | Uint8Array | readonly number[] | readonly (readonly number[])[]): Float32Array {
    const rows = inputRows('x', x, this.inputs);
    return this.outputsOf(rows, rows instanceof Uint8Array ? DEFAULT_BYTE_SCALE : 1, rows.length / this.inputs);
  }

  /**
   * predict() without holding the event loop: the input is checked and
   * preprocessed in slices on the JS thread, and its rows computed off it
   * (native backend) a chunk at a time, the next chunk prepared while one
   * is computed. The same outputs as predict(). Do not change x or the
   * network while it runs.
   */
  async predictAsync(x: Float32Array | Uint8Array | readonly number[] | readonly (readonly number[])[]): Promise<Float32Array> {
    const rows = await runYielding(inputRowsJob('x', x, this.inputs));
    return this.outputsOfAsync('x', rows, rows instanceof Uint8Array ? DEFAULT_BYTE_SCALE : 1, rows.length / this.inputs);
  }

  /** predictClasses() without holding the event loop, as predictAsync. */
  async predictClassesAsync(x: Parameters<Network['predict']>[0]): Promise<Int32Array> {
    return classesOf(await this.predictAsync(x), this.outputs);
  }

  /**
   * outputsOf off the JS thread, backend.predictAsyncRows rows a call:
   * each chunk is copied (and preprocessed) on the JS thread in a few ms,
   * then computed on a worker thread while the next is prepared. x (called
   * name in messages) must keep its n rows throughout.
   */
  private async outputsOfAsync(name: string, x: Float32Array | Uint8Array, xScale: number, n: number): Promise<Float32Array> {
    const { inputs, outputs } = this;
    const out = new Float32Array(n * outputs);
    const chunk = Math.min(n, this.backend.predictAsyncRows(this.plan));
    // Checked against the n rows it must hold: a fit's validation set may have lost them between epochs.
    const reads: Watched = { name, values: x, length: n * inputs };
    // One scratch for every chunk: predictAsync reads its rows before it returns.
    const scratch = this.preprocessing === null && x instanceof Float32Array ? null : new Float32Array(chunk * inputs);
    let running: { start: number; result: Promise<Float32Array> } | null = null;
    for (let start = 0; start < n + chunk; start += chunk) {
      let next: { start: number; result: Promise<Float32Array> } | null = null;
      if (start < n) {
        expectWhole(reads);
        const count = Math.min(chunk, n - start);
        const rows =
          scratch === null
            ? (x as Float32Array).subarray(start * inputs, (start + count) * inputs)
            : await runYielding(preprocessRowsJob(this.preprocessing, x, xScale, inputs, start, count, scratch, name));
        next = { start, result: this.backend.predictAsync(this.plan, this.params, rows, count) };
        // A failed chunk rejects through its own await below; not before.
        next.result.catch(() => {});
      }
      if (running) out.set(await running.result, running.start * outputs);
      running = next;
      await yieldToEventLoop();
    }
    return out;
  }

  /** Outputs for n rows of x, preprocessed a chunk at a time (never the whole input at once). */
  private outputsOf(x: Float32Array | Uint8Array, xScale: number, n: number): Float32Array {
    const out = new Float32Array(n * this.outputs);
    if (this.preprocessing === null && x instanceof Float32Array) {
      this.backend.predict(this.plan, this.params, x, n, out);
      return out;
    }
    const chunk = Math.min(n, PREDICT_CHUNK);
    const scratch = new Float32Array(chunk * this.inputs);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const rows = preprocessRows(this.preprocessing, x, xScale, this.inputs, start, count, scratch);
      this.backend.predict(this.plan, this.params, rows, count, out.subarray(start * this.outputs, (start + count) * this.outputs));
    }
    return out;
  }

  /**
   * Writes the network to a model file (docs/model-format.md): plan, seed,
   * params, preprocessing, label names and the optimizer state. The file
   * is replaced atomically: a failed save leaves the old one as it was.
   * A character device or a FIFO (`/dev/null`, a named pipe) is written in
   * place; a directory, a socket or a block device is refused.
   */
  async save(path: string | URL, options: SaveOptions = {}): Promise<void> {
    const file = expectFilePath('path', path);
    await writeModelFile(file, modelPartsOf(this, options));
  }

  /** A network read from a model file; rejects with a ModelFileError naming the file and what is wrong. */
  static async load(path: string | URL, options: LoadOptions = {}): Promise<Network> {
    const file = expectFilePath('path', path);
    const checked = checkLoadOptions(options);
    return restoreNetwork((o) => new Network(o), await readModelFile(file), checked);
  }

  /** The model file's header fields as plain JSON, params (and moments) as base64 of float32 little-endian bytes. */
  toJSON(): ModelJSON {
    return modelToJSON(modelPartsOf(this));
  }

  /** A network from toJSON's object (or its JSON text), checked as a model file is. */
  static fromJSON(json: unknown, options: LoadOptions = {}): Network {
    const checked = checkLoadOptions(options);
    return restoreNetwork((o) => new Network(o), modelFromJSON(json), checked);
  }

  /**
   * The network as the bytes of an ONNX model (docs/onnx.md): raw features
   * in, the preprocessing, the layers and the outputs predict gives, out.
   * A plan ONNX cannot express throws a TypeError naming the layer.
   * `{ input: 'uint8' }` makes the input bytes, as predict takes a
   * Uint8Array (a network trained on images); the default is float32.
   */
  toOnnx(options: OnnxOptions = {}): Uint8Array {
    return networkToOnnx(this, options);
  }

  /** The class each row is predicted to be (arg max; 0/1 for a single sigmoid unit). */
  predictClasses(x: Parameters<Network['predict']>[0]): Int32Array {
    return classesOf(this.predict(x), this.outputs);
  }
}

function classesOf(outputs: Float32Array, width: number): Int32Array {
  const n = outputs.length / width;
  const classes = new Int32Array(n);
  for (let r = 0; r < n; r++) classes[r] = predictedClass(outputs, r * width, width);
  return classes;
}
