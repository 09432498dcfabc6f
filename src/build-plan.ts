/**
 * Building a plan from a network's options, in either form:
 * - the shorthand `{ layers: [64, 128, 10], activation, output, loss, dropout }`:
 *   dense, activation (and dropout) for every hidden layer, then a dense
 *   layer and the output;
 * - the explicit `{ inputs: 64, plan: [{ kind: 'dense', units: 128 }, ...] }`.
 * Every descriptor is checked here, with messages naming its index and field.
 */
import { ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, activationOp } from './ops/activations/index.js';
import { checkCustomActivation, isCustomActivation, layerActivationOp, type LayerActivation } from './ops/activations/custom.js';
import { LAYER_KIND_NAMES, layerKind } from './ops/layers/index.js';
import { LOSSES, LOSSES_BY_NAME } from './ops/losses/index.js';
import type { InitName } from './ops/types.js';
import type { LayerSpec, Plan, PlanLayer } from './plan.js';
import { Rng } from './rng.js';
import { describe, expectInRange, expectObject, expectOneOf } from './validate.js';

/**
 * The largest parameter buffer: a Float32Array's length must stay in
 * int32 range for the native kernels' offsets (and 8 GiB is more than a
 * dense network on one machine wants).
 */
export const MAX_PARAMETERS = 2 ** 31 - 1;

export interface ShorthandOptions {
  layers?: unknown;
  activation?: unknown;
  output?: unknown;
  loss?: unknown;
  dropout?: unknown;
  init?: unknown;
}

/** The initialisation for a plan's dense layers when none is named: what suits its first hidden activation. */
function defaultInitFor(activations: readonly string[]): InitName {
  const first = activations.find((name) => Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) && activationOp(name).hidden);
  return first === undefined ? 'glorot' : activationOp(first).init;
}

/** The plan the shorthand stands for. */
export function shorthandPlan(o: ShorthandOptions): Plan {
  const sizes = checkLayerSizes(o.layers);
  const activation: LayerActivation = isCustomActivation(o.activation)
    ? checkCustomActivation('activation', o.activation)
    : expectOneOf('activation', o.activation ?? 'relu', HIDDEN_ACTIVATIONS);
  const output = expectOneOf('output', o.output ?? 'softmax', OUTPUT_ACTIVATIONS);
  const loss = expectOneOf('loss', o.loss ?? activationOp(output).defaultLoss ?? 'mse', LOSSES);
  const accepted = LOSSES_BY_NAME[loss].outputs as readonly string[];
  if (!accepted.includes(output)) {
    throw new TypeError(
      `output "${output}" does not fit loss "${loss}": ${loss} expects output ${accepted.map((a) => `"${a}"`).join(' or ')}`,
    );
  }
  const outputs = sizes[sizes.length - 1];
  if (activationOp(output).rowwise && outputs < 2) {
    throw new RangeError(`output "${output}" needs at least 2 output units, received layers ending in ${outputs}`);
  }
  const dropout = o.dropout === undefined ? 0 : expectInRange('dropout', o.dropout, 0, 1);
  const specs: Record<string, unknown>[] = [];
  for (let l = 1; l < sizes.length - 1; l++) {
    specs.push({ kind: 'dense', units: sizes[l] });
    specs.push({ kind: 'activation', activation });
    if (dropout > 0) specs.push({ kind: 'dropout', rate: dropout });
  }
  specs.push({ kind: 'dense', units: sizes[sizes.length - 1] });
  specs.push({ kind: 'output', activation: output, loss });
  const init = o.init === undefined ? layerActivationOp(activation).init : o.init;
  return resolvePlan(sizes[0], specs, init, { messages: 'shorthand', sizes, layers: 'plan' });
}

/**
 * The plan of an explicit list of layer descriptors. `names` is how
 * messages call the inputs and the list: the options' `inputs` and `plan`,
 * or a stored plan's `plan.inputs` and `plan.layers`.
 */
export function explicitPlan(
  inputs: unknown,
  plan: unknown,
  init: unknown,
  names: { inputs: string; layers: string } = { inputs: 'inputs', layers: 'plan' },
): Plan {
  if (typeof inputs !== 'number' || !Number.isInteger(inputs) || inputs < 1 || inputs > 1 << 24) {
    throw new RangeError(`${names.inputs} must be an integer in [1, ${1 << 24}] (the features per row), received ${describe(inputs)}`);
  }
  if (!Array.isArray(plan) || plan.length === 0) {
    throw new TypeError(`${names.layers} must be a non-empty array of layer descriptors such as { kind: 'dense', units: 10 }, received ${describe(plan)}`);
  }
  const specs: Record<string, unknown>[] = [];
  for (let i = 0; i < plan.length; i++) {
    if (!(i in plan)) throw new TypeError(`${names.layers}[${i}] is missing (a hole in the array)`);
    specs.push(expectObject(`${names.layers}[${i}]`, plan[i]));
  }
  const named = specs.map((s) => (typeof s.activation === 'string' ? s.activation : ''));
  return resolvePlan(inputs, specs, init === undefined ? defaultInitFor(named) : init, { messages: 'explicit', layers: names.layers });
}

/** A stored plan (a model file's, toJSON's) resolved again: the same checks, the same offsets. */
export function storedPlan(plan: unknown): Plan {
  const p = expectObject('plan', plan);
  return explicitPlan(p.inputs, p.layers, undefined, { inputs: 'plan.inputs', layers: 'plan.layers' });
}

function resolvePlan(
  inputs: number,
  specs: Record<string, unknown>[],
  init: unknown,
  source: { messages: 'explicit'; layers: string } | { messages: 'shorthand'; sizes: number[]; layers: string },
): Plan {
  const defaultInit = expectOneOf('init', init, ['he', 'glorot', 'uniform'] as const);
  const layers: PlanLayer[] = [];
  let width = inputs;
  let offset = 0;
  for (let index = 0; index < specs.length; index++) {
    const spec = specs[index];
    const at = `${source.layers}[${index}]`;
    const kind = spec.kind;
    if (typeof kind !== 'string' || !(LAYER_KIND_NAMES as string[]).includes(kind)) {
      throw new TypeError(`${at}.kind must be one of ${LAYER_KIND_NAMES.map((k) => `"${k}"`).join(', ')}, received ${describe(kind)}`);
    }
    const op = layerKind(kind);
    for (const key of Object.keys(spec)) {
      if (!op.fields.includes(key)) {
        throw new TypeError(`${at} has an unknown field "${key}" for a ${kind} layer; expected ${op.fields.join(', ')}`);
      }
    }
    const layer = op.resolve(spec, { at, index, width, offset, defaultInit, last: index === specs.length - 1 });
    offset += op.parameterCount(layer);
    if (offset > MAX_PARAMETERS) {
      const what = source.messages === 'shorthand' ? `layers ${JSON.stringify(source.sizes)}` : `${source.layers} (at ${at})`;
      throw new RangeError(`${what} needs more than ${MAX_PARAMETERS} parameters (${offset} so far), more than one Float32Array buffer holds`);
    }
    width = op.outputWidth(layer, width);
    layers.push(layer);
  }
  if (layers[layers.length - 1].kind !== 'output') {
    throw new TypeError(
      `${source.layers}[${layers.length - 1}] is a ${layers[layers.length - 1].kind} layer, but a plan must end in an output layer such as { kind: 'output', activation: 'softmax' }`,
    );
  }
  if (!layers.some((layer) => layer.kind === 'dense')) {
    throw new TypeError(`${source.layers} has no dense layer: a network needs at least one { kind: 'dense', units } before its output`);
  }
  return { inputs, outputs: width, size: offset, layers };
}

function checkLayerSizes(value: unknown): number[] {
  if (!Array.isArray(value) || value.length < 2) {
    throw new TypeError(
      `layers must be an array of at least 2 layer sizes (inputs first, e.g. [64, 128, 10]), received ${describe(value)}`,
    );
  }
  // An index loop, not forEach: forEach skips the holes of a sparse array.
  for (let i = 0; i < value.length; i++) {
    const size = value[i];
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 1 << 24) {
      throw new RangeError(`layers[${i}] must be a positive integer layer size (at most ${1 << 24}), received ${i in value ? describe(size) : 'a hole in the array'}`);
    }
  }
  return [...value];
}

/**
 * The He variance factor of a dense layer: that of the hidden activation
 * its units feed (the next one after it), or for the last dense layer,
 * which feeds the output, that of the activation before it; 2 (ReLU's)
 * in a plan without any.
 */
export function heGain2(plan: Plan, index: number): number {
  const layers = plan.layers;
  for (let i = index + 1; i < layers.length && layers[i].kind !== 'dense'; i++) {
    const layer = layers[i];
    if (layer.kind === 'activation') return layerActivationOp(layer.activation).gain2;
  }
  for (let i = index - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer.kind === 'activation') return layerActivationOp(layer.activation).gain2;
  }
  return 2;
}

/**
 * Fills the buffer with initial weights, dense layer after dense layer
 * from one seeded stream; biases start at zero.
 * - he: normal with std sqrt(gain2 / fan_in), gain2 being 2 for ReLU-like
 *   units (He et al.) and 1 / E[f(z)^2] for the others (heGain2): 2.81 for
 *   SiLU, 2.35 for GELU.
 * - glorot: uniform in +-sqrt(6 / (fan_in + fan_out)), for tanh / sigmoid.
 * - uniform: [0, 1), all positive. A classic mistake, kept on purpose so it
 *   can be reproduced and diagnosed.
 */
export function initializeParameters(params: Float32Array | Float64Array, plan: Plan, seed: number): void {
  const rng = new Rng(seed);
  params.fill(0);
  plan.layers.forEach((layer, index) => {
    if (layer.kind !== 'dense') return;
    const weights = params.subarray(layer.weightOffset, layer.biasOffset);
    if (layer.init === 'he') {
      const std = Math.sqrt(heGain2(plan, index) / layer.inputs);
      for (let i = 0; i < weights.length; i++) weights[i] = rng.normal() * std;
    } else if (layer.init === 'glorot') {
      const limit = Math.sqrt(6 / (layer.inputs + layer.units));
      for (let i = 0; i < weights.length; i++) weights[i] = (rng.uniform() * 2 - 1) * limit;
    } else {
      for (let i = 0; i < weights.length; i++) weights[i] = rng.uniform();
    }
  });
}

export type { LayerSpec };
