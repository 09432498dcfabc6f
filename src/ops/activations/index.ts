/**
 * Every activation descent knows, by name: the one table. An entry's flags
 * say where it may stand (hidden, output); a new activation is a module in
 * this folder and a line here (and its twin in native/kernels/ops.h).
 */
import type { ActivationOp } from '../types.js';
import { gelu } from './gelu.js';
import { leakyRelu } from './leaky-relu.js';
import { linear } from './linear.js';
import { relu } from './relu.js';
import { sigmoid } from './sigmoid.js';
import { silu } from './silu.js';
import { softmax } from './softmax.js';
import { tanh } from './tanh.js';

export const ACTIVATIONS = {
  relu,
  'leaky-relu': leakyRelu,
  tanh,
  sigmoid,
  linear,
  gelu,
  silu,
  softmax,
} as const satisfies Record<string, ActivationOp>;

type Table = typeof ACTIVATIONS;
export type ActivationName = keyof Table;
export type HiddenActivation = { [K in ActivationName]: Table[K]['hidden'] extends true ? K : never }[ActivationName];
export type OutputActivation = { [K in ActivationName]: Table[K]['output'] extends true ? K : never }[ActivationName];

const names = Object.keys(ACTIVATIONS) as ActivationName[];
export const HIDDEN_ACTIVATIONS = names.filter((n) => ACTIVATIONS[n].hidden) as HiddenActivation[];
export const OUTPUT_ACTIVATIONS = names.filter((n) => ACTIVATIONS[n].output) as OutputActivation[];

export function activationOp(name: string): ActivationOp {
  return (ACTIVATIONS as Record<string, ActivationOp>)[name];
}
