/**
 * The Network: a plan, its one contiguous parameter buffer, the optimizer
 * state beside it, and the verbs a user calls (fit, evaluate, predict).
 */
import { selectBackend, type BackendChoice } from './backend/select.js';
import type { Backend, OptimizerState } from './backend/types.js';
import { explicitPlan, initializeParameters, shorthandPlan } from './build-plan.js';
import { checkDataset, DEFAULT_BYTE_SCALE, inputRows, type CheckedData, type Dataset } from './data/dataset.js';
import { preprocessRows, type Preprocessing } from './data/preprocess.js';
import { predictedClass } from './ops/activations/apply.js';
import type { HiddenActivation, OutputActivation } from './ops/activations/index.js';
import type { LossName } from './ops/losses/index.js';
import type { InitName } from './ops/types.js';
import { denseLayers, layerSizes, outputLayer, type LayerSpec, type Plan } from './plan.js';
import { modelFromJSON, modelToJSON, type ModelJSON } from './io/model-json.js';
import { readModelFile, writeModelFile } from './io/model-io.js';
import { networkToOnnx } from './onnx/export.js';
import { checkLoadOptions, modelPartsOf, restoreNetwork, type LoadOptions, type SaveOptions } from './io/network-model.js';
import { fit, type History } from './train/fit.js';
import { evaluateOutputs, type Evaluation } from './train/metrics.js';
import type { FitOptions } from './train/options.js';
import { describe, expectKnownKeys, expectNonNegativeInteger, expectObject } from './validate.js';

/**
 * A network in one of two forms: the shorthand `layers` (with activation,
 * output, loss, dropout), or an explicit `plan` of layer descriptors after
 * `inputs`.
 */
export interface NetworkOptions {
  /** Layer sizes, inputs first: [64, 128, 10] is one hidden layer of 128. */
  layers?: readonly number[];
  /** Hidden activation. Default 'relu'. */
  activation?: HiddenActivation;
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

/** Rows preprocessed and predicted at a time: bounded memory for any input. */
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
  get activation(): HiddenActivation {
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
   * loss diverges (TrainingDivergedError; the weights stay finite), when
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

  /** Mean loss, and for classifiers accuracy and the confusion matrix. */
  evaluate(data: Dataset): Evaluation {
    return this.evaluateChecked(checkDataset('data', data, this.inputs, this.outputs));
  }

  /** evaluate() on data already checked (fit's validation set). */
  evaluateChecked(data: CheckedData): Evaluation {
    const outputs = this.outputsOf(data.x, data.xScale, data.n);
    return evaluateOutputs(outputs, this.outputs, this.loss, data.labels, data.targets, data.classes, this.labelNames);
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
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    await writeModelFile(path, modelPartsOf(this, options));
  }

  /** A network read from a model file; rejects with a ModelFileError naming the file and what is wrong. */
  static async load(path: string, options: LoadOptions = {}): Promise<Network> {
    const checked = checkLoadOptions(options);
    return restoreNetwork((o) => new Network(o), await readModelFile(path), checked);
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
   */
  toOnnx(): Uint8Array {
    return networkToOnnx(this);
  }

  /** The class each row is predicted to be (arg max; 0/1 for a single sigmoid unit). */
  predictClasses(x: Parameters<Network['predict']>[0]): Int32Array {
    const outputs = this.predict(x);
    const width = this.outputs;
    const n = outputs.length / width;
    const classes = new Int32Array(n);
    for (let r = 0; r < n; r++) classes[r] = predictedClass(outputs, r * width, width);
    return classes;
  }
}
