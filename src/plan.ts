/**
 * The plan: a network as an ordered list of layer descriptors, plain data
 * that JSON.stringify keeps whole, each dense layer with its offsets into
 * the one parameter buffer. Both backends execute it, model files store it,
 * exports walk it. The layer kinds live in ops/layers/.
 */
import type { ActivationName, HiddenActivation, OutputActivation } from './ops/activations/index.js';
import { lossOp, type LossName } from './ops/losses/index.js';
import type { TargetRange } from './data/dataset.js';
import type { LayerActivation } from './ops/activations/custom.js';
import type { InitName } from './ops/types.js';

/** y = x W + b; W is (inputs, units) row-major at weightOffset, b (units) at biasOffset. */
export interface DenseLayer {
  kind: 'dense';
  inputs: number;
  units: number;
  /** How the weights were (and will be) initialised. */
  init: InitName;
  weightOffset: number;
  biasOffset: number;
}

export interface ActivationLayer {
  kind: 'activation';
  /** A registry name, or a custom activation { name, f, derivative } (js backend only; not storable). */
  activation: LayerActivation;
}

/** Inverted dropout while training; the identity in predict and evaluate. */
export interface DropoutLayer {
  kind: 'dropout';
  rate: number;
}

/** The output activation and the loss trained through it; always last. */
export interface OutputLayer {
  kind: 'output';
  activation: OutputActivation;
  loss: LossName;
}

export type PlanLayer = DenseLayer | ActivationLayer | DropoutLayer | OutputLayer;
export type LayerKindName = PlanLayer['kind'];

export interface Plan {
  inputs: number;
  outputs: number;
  /** The parameter count: the length of the one buffer. */
  size: number;
  layers: PlanLayer[];
}

/** A layer as a user writes it: the kind and its own fields; offsets and widths are filled in. */
export type LayerSpec =
  | { kind: 'dense'; units: number; init?: InitName }
  | { kind: 'activation'; activation: LayerActivation }
  | { kind: 'dropout'; rate: number }
  | { kind: 'output'; activation: OutputActivation; loss?: LossName };

/** The dense layers of a plan, in order. */
export function denseLayers(plan: Plan): DenseLayer[] {
  return plan.layers.filter((layer): layer is DenseLayer => layer.kind === 'dense');
}

/** The output layer (the last). */
export function outputLayer(plan: Plan): OutputLayer {
  return plan.layers[plan.layers.length - 1] as OutputLayer;
}

/** The float targets the plan's loss takes (binary cross-entropy: [0, 1]), or null for any finite value. */
export function targetRangeOf(plan: Plan): TargetRange | null {
  return lossOp(outputLayer(plan).loss).targetRange ?? null;
}

/** Layer sizes, inputs first: the plan's inputs and every dense layer's units. */
export function layerSizes(plan: Plan): number[] {
  return [plan.inputs, ...denseLayers(plan).map((layer) => layer.units)];
}

/** The registry activation names a plan uses, hidden and output (custom activations left out). */
export function activationsOf(plan: Plan): ActivationName[] {
  const names: ActivationName[] = [];
  for (const layer of plan.layers) {
    if ((layer.kind === 'activation' || layer.kind === 'output') && typeof layer.activation === 'string') names.push(layer.activation);
  }
  return names;
}

/** The first layer with a custom activation, or null: what the native backend and model files cannot take. */
export function firstCustomActivation(plan: Plan): { index: number; name: string } | null {
  for (let index = 0; index < plan.layers.length; index++) {
    const layer = plan.layers[index];
    if (layer.kind === 'activation' && typeof layer.activation !== 'string') return { index, name: layer.activation.name };
  }
  return null;
}

/**
 * Where parameter `index` of the one buffer sits, in words: "the plan[0]
 * weight from input 3 to unit 7" or "the plan[2] bias of unit 1".
 */
export function parameterName(plan: Plan, index: number): string {
  for (let i = 0; i < plan.layers.length; i++) {
    const layer = plan.layers[i];
    if (layer.kind !== 'dense') continue;
    if (index >= layer.weightOffset && index < layer.biasOffset) {
      const k = index - layer.weightOffset;
      return `the plan[${i}] weight from input ${Math.floor(k / layer.units)} to unit ${k % layer.units}`;
    }
    if (index >= layer.biasOffset && index < layer.biasOffset + layer.units) return `the plan[${i}] bias of unit ${index - layer.biasOffset}`;
  }
  return `outside every layer (plan.size ${plan.size})`;
}
