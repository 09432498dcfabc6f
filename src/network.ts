/**
 * The Network: an architecture, its one contiguous parameter buffer, and
 * the verbs a user calls (fit, evaluate, predict).
 */
import { predictedClass } from './backend/reference-kernels.js';
import { selectBackend, type BackendChoice } from './backend/select.js';
import type { Backend, ModelShape } from './backend/types.js';
import { checkDataset, floatRows, type CheckedData, type Dataset } from './data/dataset.js';
import { initializeParameters, parameterLayout, type ParameterLayout } from './layout.js';
import {
  HIDDEN_ACTIVATIONS,
  INITS,
  LOSSES,
  OUTPUT_ACTIVATIONS,
  OUTPUTS_FOR_LOSS,
  type HiddenActivation,
  type InitName,
  type LossName,
  type OutputActivation,
} from './spec.js';
import { fit, type History } from './train/fit.js';
import { evaluateOutputs, type Evaluation } from './train/metrics.js';
import type { FitOptions } from './train/options.js';
import { describe, expectKnownKeys, expectNonNegativeInteger, expectObject, expectOneOf } from './validate.js';

export interface NetworkOptions {
  /** Layer sizes, inputs first: [64, 128, 10] is one hidden layer of 128. */
  layers: number[];
  /** Hidden activation. Default 'relu'. */
  activation?: HiddenActivation;
  /** Output activation. Default 'softmax'. */
  output?: OutputActivation;
  /** Default: cross-entropy for softmax, binary-cross-entropy for sigmoid, mse otherwise. */
  loss?: LossName;
  /** Default: 'he' for ReLU-like hidden units, 'glorot' otherwise. */
  init?: InitName;
  /** Seed of the initial weights (and, by default, of the batch order). Default 0. */
  seed?: number;
  /** Default 'auto': native when its addon is built, js otherwise. */
  backend?: BackendChoice;
}

const NETWORK_OPTION_NAMES = ['layers', 'activation', 'output', 'loss', 'init', 'seed', 'backend'] as const;

/** The loss that goes with an output activation when none is named. */
export function defaultLossFor(output: OutputActivation): LossName {
  if (output === 'softmax') return 'cross-entropy';
  if (output === 'sigmoid') return 'binary-cross-entropy';
  return 'mse';
}

/** The initialisation that suits a hidden activation when none is named. */
export function defaultInitFor(activation: HiddenActivation): InitName {
  return activation === 'relu' || activation === 'leaky-relu' ? 'he' : 'glorot';
}

export class Network {
  readonly shape: ModelShape;
  readonly init: InitName;
  readonly seed: number;
  readonly layout: ParameterLayout;
  /** Every weight and bias, layer after layer: W (inputs x outputs, row-major), then b. */
  readonly params: Float32Array;
  readonly backend: Backend;
  private training = false;

  constructor(options: NetworkOptions) {
    const o = expectObject('options', options);
    expectKnownKeys('options', o, NETWORK_OPTION_NAMES);
    const layers = checkLayers(o.layers);
    const activation = expectOneOf('activation', o.activation ?? 'relu', HIDDEN_ACTIVATIONS);
    const output = expectOneOf('output', o.output ?? 'softmax', OUTPUT_ACTIVATIONS);
    const loss = expectOneOf('loss', o.loss ?? defaultLossFor(output), LOSSES);
    if (!OUTPUTS_FOR_LOSS[loss].includes(output)) {
      throw new TypeError(
        `output "${output}" does not fit loss "${loss}": ${loss} expects output ${OUTPUTS_FOR_LOSS[loss]
          .map((a) => `"${a}"`)
          .join(' or ')}`,
      );
    }
    const outputs = layers[layers.length - 1];
    if (output === 'softmax' && outputs < 2) {
      throw new RangeError(`output "softmax" needs at least 2 output units, received layers ending in ${outputs}`);
    }
    this.init = expectOneOf('init', o.init ?? defaultInitFor(activation), INITS);
    this.seed = expectNonNegativeInteger('seed', o.seed ?? 0);
    this.backend = selectBackend(o.backend ?? 'auto');
    this.shape = { sizes: layers, activation, output, loss };
    this.layout = parameterLayout(layers);
    this.params = new Float32Array(this.layout.size);
    initializeParameters(this.params, this.layout, this.init, this.seed);
  }

  get layers(): readonly number[] {
    return this.shape.sizes;
  }
  get activation(): HiddenActivation {
    return this.shape.activation;
  }
  get output(): OutputActivation {
    return this.shape.output;
  }
  get loss(): LossName {
    return this.shape.loss;
  }
  get inputs(): number {
    return this.shape.sizes[0];
  }
  get outputs(): number {
    return this.shape.sizes[this.shape.sizes.length - 1];
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
      return await fit(
        {
          params: this.params,
          shape: this.shape,
          seed: this.seed,
          backend: this.backend,
          evaluateChecked: (checked) => this.evaluateChecked(checked),
        },
        data,
        options,
      );
    } finally {
      this.training = false;
    }
  }

  /** Mean loss, and for classifiers accuracy and the confusion matrix. */
  evaluate(data: Dataset): Evaluation {
    return this.evaluateChecked(checkDataset('data', data, this.inputs, this.outputs));
  }

  private evaluateChecked(data: CheckedData): Evaluation {
    let outputs: Float32Array;
    if (data.x instanceof Float32Array) {
      outputs = this.predictRows(data.x, data.n);
    } else {
      // Bytes are widened a chunk at a time, never the whole dataset at once.
      outputs = new Float32Array(data.n * this.outputs);
      const chunk = 4096;
      const scratch = new Float32Array(chunk * this.inputs);
      for (let start = 0; start < data.n; start += chunk) {
        const count = Math.min(chunk, data.n - start);
        const rows = floatRows(data.x, data.xScale, this.inputs, start, count, scratch);
        this.backend.predict(this.params, this.shape, rows, count, outputs.subarray(start * this.outputs, (start + count) * this.outputs));
      }
    }
    return evaluateOutputs(outputs, this.outputs, this.loss, data.labels, data.targets, data.classes);
  }

  /**
   * Activated outputs for rows of x (row-major, n x inputs): probabilities
   * for softmax and sigmoid outputs. Returns a Float32Array of n x outputs.
   */
  predict(x: Float32Array): Float32Array {
    if (!(x instanceof Float32Array)) {
      throw new TypeError(`x must be a Float32Array of n x ${this.inputs} values, received ${describe(x)}`);
    }
    if (x.length === 0 || x.length % this.inputs !== 0) {
      throw new RangeError(
        `x must hold a whole number of rows of ${this.inputs} values (n x ${this.inputs}), received ${x.length} values`,
      );
    }
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) {
        throw new RangeError(
          `x must hold finite numbers, received ${x[i]} at row ${Math.floor(i / this.inputs)}, column ${i % this.inputs}`,
        );
      }
    }
    return this.predictRows(x, x.length / this.inputs);
  }

  /** The class each row is predicted to be (arg max; 0/1 for a single sigmoid unit). */
  predictClasses(x: Float32Array): Int32Array {
    const outputs = this.predict(x);
    const width = this.outputs;
    const n = outputs.length / width;
    const classes = new Int32Array(n);
    for (let r = 0; r < n; r++) classes[r] = predictedClass(outputs, r * width, width);
    return classes;
  }

  private predictRows(x: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n * this.outputs);
    this.backend.predict(this.params, this.shape, x, n, out);
    return out;
  }
}

function checkLayers(value: unknown): number[] {
  if (!Array.isArray(value) || value.length < 2) {
    throw new TypeError(
      `layers must be an array of at least 2 layer sizes (inputs first, e.g. [64, 128, 10]), received ${describe(value)}`,
    );
  }
  value.forEach((size, i) => {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
      throw new RangeError(`layers[${i}] must be a positive integer layer size, received ${describe(size)}`);
    }
  });
  return [...value];
}
