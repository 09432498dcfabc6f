/**
 * Every activation of the registry (src/ops/activations/) as ONNX nodes of
 * opset ONNX_OPSET: the one table. `satisfies Record<ActivationName, ...>`
 * makes an activation added to the registry without an entry here a type
 * error (and test/onnx.test.ts, which enumerates the registry, fails).
 * Each entry emits exactly the formula descent computes.
 */
import { ACTIVATIONS, type ActivationName } from '../ops/activations/index.js';
import { LEAKY_RELU_SLOPE } from '../ops/activations/leaky-relu.js';
import { describe } from '../validate.js';
import { floatAttribute, intAttribute, type OnnxGraph } from './graph.js';

/** Emits f(input) into the graph; returns the name of the result. */
export type OnnxActivation = (graph: OnnxGraph, input: string) => string;

/** sqrt(2 / pi) and the cubic coefficient of GELU's tanh approximation, as src/ops/activations/gelu.ts has them. */
const GELU_K = 0.7978845608028654;
const GELU_C = 0.044715;

export const ONNX_ACTIVATIONS = {
  relu: (graph, x) => graph.node('Relu', [x]),
  'leaky-relu': (graph, x) => graph.node('LeakyRelu', [x], [floatAttribute('alpha', LEAKY_RELU_SLOPE)]),
  tanh: (graph, x) => graph.node('Tanh', [x]),
  sigmoid: (graph, x) => graph.node('Sigmoid', [x]),
  // The identity: no node at all.
  linear: (_graph, x) => x,
  // descent's GELU is the tanh approximation, 0.5 z (1 + tanh(k (z + c z^3))),
  // not ONNX's Gelu (opset 20, erf by default): written out in primitives.
  gelu(graph, z) {
    const cube = graph.node('Mul', [graph.node('Mul', [z, z]), z]);
    const inner = graph.node('Add', [z, graph.node('Mul', [cube, graph.scalar('gelu_c', GELU_C)])]);
    const t = graph.node('Tanh', [graph.node('Mul', [inner, graph.scalar('gelu_k', GELU_K)])]);
    const half = graph.node('Mul', [z, graph.scalar('half', 0.5)]);
    return graph.node('Mul', [half, graph.node('Add', [t, graph.scalar('one', 1)])]);
  },
  // z sigmoid(z).
  silu: (graph, z) => graph.node('Mul', [z, graph.node('Sigmoid', [z])]),
  // Over each row (the last axis), as descent's softmax.
  softmax: (graph, x) => graph.node('Softmax', [x], [intAttribute('axis', -1)]),
} as const satisfies Record<ActivationName, OnnxActivation>;

const BUILT_IN = Object.keys(ACTIVATIONS).join(', ');

/**
 * The emitter of a plan layer's activation. Anything but the name of a
 * built-in activation (a custom activation object, an unknown name) is
 * refused naming the layer: ONNX cannot run a JavaScript function.
 */
export function onnxActivation(at: string, activation: unknown): OnnxActivation {
  if (typeof activation === 'string' && Object.prototype.hasOwnProperty.call(ONNX_ACTIVATIONS, activation)) {
    return ONNX_ACTIVATIONS[activation as ActivationName];
  }
  const what =
    typeof activation === 'object' && activation !== null
      ? `the custom activation ${describe((activation as { name?: unknown }).name)}`
      : `${describe(activation)}, not a built-in activation`;
  throw new TypeError(`${at}.activation is ${what}: ONNX export supports only descent's built-in activations (${BUILT_IN})`);
}
