/**
 * A user's own activation: `{ name, f, derivative }` in place of a
 * registry name. It is not in the registry (the registry is descent's
 * built-in vocabulary, mirrored in C++): the js backend runs it through
 * customActivationOp, the native backend refuses it, model files cannot
 * store it (functions are not data).
 */
import { describe, expectObject } from '../../validate.js';
import type { ActivationOp, ElementwiseActivation } from '../types.js';
import { activationOp, type HiddenActivation } from './index.js';

export interface CustomActivation {
  /** How messages and reports name it. */
  readonly name: string;
  /** a = f(z). */
  readonly f: (z: number) => number;
  /** f'(z), the derivative with respect to z (not a function of a). */
  readonly derivative: (z: number) => number;
}

/** A hidden layer's activation: a registry name or a custom one. */
export type LayerActivation = HiddenActivation | CustomActivation;

export function isCustomActivation(value: unknown): value is CustomActivation {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where f and derivative are tried when a custom activation is checked:
 * -8..8 in steps of 0.25 covers the pre-activations a sensibly initialised
 * network sees (and tanh / sigmoid saturation), without being slow.
 */
const PROBE_POINTS = Array.from({ length: 65 }, (_, i) => -8 + i * 0.25);

/** Checks a custom activation named `at` (e.g. "plan[1].activation"): a name, two functions, finite values. */
export function checkCustomActivation(at: string, value: unknown): CustomActivation {
  const o = expectObject(at, value);
  for (const key of Object.keys(o)) {
    if (!['name', 'f', 'derivative'].includes(key)) {
      throw new TypeError(`${at} has an unknown field "${key}" for a custom activation; expected name, f, derivative`);
    }
  }
  if (typeof o.name !== 'string' || o.name.length === 0) {
    throw new TypeError(`${at}.name must be a non-empty string naming the custom activation, received ${describe(o.name)}`);
  }
  for (const key of ['f', 'derivative'] as const) {
    if (typeof o[key] !== 'function') {
      throw new TypeError(`${at}.${key} of custom activation "${o.name}" must be a function (z: number) => number, received ${describe(o[key])}`);
    }
    const fn = o[key] as (z: number) => number;
    for (const z of PROBE_POINTS) {
      let value: unknown;
      try {
        value = fn(z);
      } catch (error) {
        throw new TypeError(`${at}.${key} of custom activation "${o.name}" threw at z = ${z}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RangeError(`${at}.${key} of custom activation "${o.name}" must return a finite number, received ${describe(value)} at z = ${z}`);
      }
    }
  }
  return o as unknown as CustomActivation;
}

/**
 * 1 / E[f(z)^2] for z ~ N(0, 1), by the trapezoid rule over [-8, 8]: the
 * He variance factor of dense units feeding f (as the registry's gain2).
 */
function gain2Of(f: (z: number) => number): number {
  const step = 1 / 64;
  let sum = 0;
  for (let z = -8; z <= 8; z += step) sum += f(z) ** 2 * Math.exp(-z * z / 2) * step;
  const second = sum / Math.sqrt(2 * Math.PI);
  return second > 0 ? 1 / second : 1;
}

const ops = new WeakMap<CustomActivation, ElementwiseActivation>();

/** The registry-shaped op of a custom activation (its derivative reads z). */
export function customActivationOp(custom: CustomActivation): ElementwiseActivation {
  let op = ops.get(custom);
  if (op === undefined) {
    const { f, derivative } = custom;
    op = {
      name: custom.name,
      rowwise: false,
      hidden: true,
      output: false,
      init: 'he',
      gain2: gain2Of(f),
      derivative: 'input',
      forward: (z: number) => f(z),
      grad: (z: number) => derivative(z),
    };
    ops.set(custom, op);
  }
  return op;
}

/** The op a hidden activation layer runs: the registry's, or the custom one's. */
export function layerActivationOp(activation: LayerActivation): ActivationOp {
  return isCustomActivation(activation) ? customActivationOp(activation) : activationOp(activation);
}

/** How messages and reports name a layer's activation. */
export function activationLabel(activation: LayerActivation): string {
  return isCustomActivation(activation) ? `custom "${activation.name}"` : activation;
}
