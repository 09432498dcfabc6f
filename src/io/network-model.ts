/**
 * Between a Network and the parts a model file holds. Network's own
 * members (save, load, toJSON, fromJSON) only call these.
 */
import type { BackendChoice } from '../backend/select.js';
import type { Network, NetworkOptions } from '../network.js';
import { firstCustomActivation } from '../plan.js';
import { expectBoolean, expectKnownKeys, expectObject } from '../validate.js';
import type { JsonObject, ModelParts } from './model-header.js';

export interface SaveOptions {
  /** A summary of how the network was trained (any JSON object), kept in the file. Default null. */
  training?: JsonObject | null;
  /** Whether to keep the optimizer state (so that a later fit continues from it). Default true. */
  optimizer?: boolean;
  /** A training run to resume, written by fit's checkpoints. */
  checkpoint?: JsonObject;
}

export interface LoadOptions {
  /** Default 'auto', as for new Network(). */
  backend?: BackendChoice;
}

type SavedNetwork = Pick<Network, 'plan' | 'seed' | 'params' | 'preprocessing' | 'labelNames' | 'optimizerState'>;

export function modelPartsOf(net: SavedNetwork, options: unknown = {}): ModelParts {
  const o = expectObject('options', options) as SaveOptions;
  expectKnownKeys('options', o as Record<string, unknown>, ['training', 'optimizer', 'checkpoint']);
  const custom = firstCustomActivation(net.plan);
  if (custom !== null) {
    throw new TypeError(
      `plan[${custom.index}].activation is the custom activation "${custom.name}": a model file cannot store it (its functions are code, not data); use a built-in activation to save the network`,
    );
  }
  const training = o.training ?? null;
  if (training !== null) expectObject('options.training', training);
  if (o.optimizer !== undefined) expectBoolean('options.optimizer', o.optimizer);
  const parts: ModelParts = {
    plan: net.plan,
    seed: net.seed,
    params: net.params,
    preprocessing: net.preprocessing,
    labelNames: net.labelNames,
    training,
  };
  const state = net.optimizerState;
  if (state && o.optimizer !== false) parts.optimizer = { name: state.optimizer, step: state.step, moments: state.moments };
  if (o.checkpoint !== undefined) parts.checkpoint = expectObject('options.checkpoint', o.checkpoint);
  return parts;
}

/** Load options, checked before any file is read (the backend itself when the network is made). */
export function checkLoadOptions(options: unknown = {}): LoadOptions {
  const o = expectObject('options', options);
  expectKnownKeys('options', o, ['backend']);
  return o as LoadOptions;
}

/**
 * A network built from parts: the same plan, seed, params (bit for bit),
 * preprocessing, label names and optimizer state. `create` is the
 * Network constructor, passed in so that this module needs Network only as a type.
 */
export function restoreNetwork(create: (options: NetworkOptions) => Network, parts: ModelParts, options: LoadOptions): Network {
  const net = create({ inputs: parts.plan.inputs, plan: parts.plan.layers, seed: parts.seed, backend: options.backend });
  net.params.set(parts.params);
  net.preprocessing = parts.preprocessing;
  net.labelNames = parts.labelNames;
  if (parts.optimizer) {
    net.optimizerState = { optimizer: parts.optimizer.name, step: parts.optimizer.step, moments: parts.optimizer.moments };
  }
  return net;
}
