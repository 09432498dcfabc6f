/**
 * Every layer kind of the registry (src/ops/layers/) as ONNX nodes: the
 * one table, checked by `satisfies` like the activations' table. Output
 * layers add only their activation here; the class output is outputs.ts's.
 */
import type { LayerKind } from '../ops/layers/index.js';
import type { PlanLayer } from '../plan.js';
import { onnxActivation } from './activations.js';
import { intAttribute, type OnnxGraph } from './graph.js';

/** What a layer's emitter gets: the graph, the layer, its input value, the parameters and where the layer stands ("plan[2]"). */
export interface LayerContext<L> {
  graph: OnnxGraph;
  layer: L;
  input: string;
  params: Float32Array;
  at: string;
}

type LayerEmitters = { [K in LayerKind]: (context: LayerContext<Extract<PlanLayer, { kind: K }>>) => string };

export const ONNX_LAYERS = {
  // y = x W + b: W is (inputs, units) row-major, as Gemm's B untransposed.
  dense({ graph, layer, input, params }) {
    const weights = graph.floats('weights', params.subarray(layer.weightOffset, layer.biasOffset), [layer.inputs, layer.units]);
    const bias = graph.floats('bias', params.subarray(layer.biasOffset, layer.biasOffset + layer.units), [layer.units]);
    return graph.node('Gemm', [input, weights, bias], [intAttribute('transA', 0), intAttribute('transB', 0)]);
  },
  activation: ({ graph, layer, input, at }) => onnxActivation(at, layer.activation)(graph, input),
  // Dropout is the identity at inference: nothing to emit.
  dropout: ({ input }) => input,
  output: ({ graph, layer, input, at }) => onnxActivation(at, layer.activation)(graph, input),
} as const satisfies LayerEmitters;

const KINDS = Object.keys(ONNX_LAYERS).join(', ');

/** Emits one plan layer; a kind without an entry (one added after this export) is refused naming the layer. */
export function emitLayer(graph: OnnxGraph, layer: PlanLayer, input: string, params: Float32Array, at: string): string {
  const kind: unknown = layer.kind;
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(ONNX_LAYERS, kind)) {
    throw new TypeError(`${at} is a ${JSON.stringify(kind)} layer: ONNX export supports only the layer kinds ${KINDS}`);
  }
  const emit = ONNX_LAYERS[kind as LayerKind] as (context: LayerContext<PlanLayer>) => string;
  return emit({ graph, layer, input, params, at });
}
