/**
 * The graph's outputs. Softmax and sigmoid outputs are probabilities, and
 * their networks classifiers: the graph gives `probabilities` and `class`,
 * the index descent's predictClasses gives (src/ops/activations/apply.ts
 * predictedClass: the arg max, first on ties; for one sigmoid unit 1 when
 * it reaches 0.5). Tanh and linear outputs are values: `outputs` alone.
 */
import type { OutputActivation } from '../ops/activations/index.js';
import { intAttribute, type OnnxGraph } from './graph.js';
import { onnx } from './proto.js';

export const ONNX_OUTPUT_KINDS = {
  softmax: 'classifier',
  sigmoid: 'classifier',
  tanh: 'values',
  linear: 'values',
} as const satisfies Record<OutputActivation, 'classifier' | 'values'>;

export const OUTPUT_NAMES = { probabilities: 'probabilities', values: 'outputs', class: 'class' } as const;

export interface GraphOutput {
  name: string;
  elementType: number;
  /** Per row: the width of the row, or null for one value per row (shape [batch]). */
  width: number | null;
}

/** The names of the graph's outputs for a network of this output activation. */
export function onnxOutputNames(activation: OutputActivation): string[] {
  return ONNX_OUTPUT_KINDS[activation] === 'values' ? [OUTPUT_NAMES.values] : [OUTPUT_NAMES.probabilities, OUTPUT_NAMES.class];
}

/** Names the activated outputs and, for a classifier, adds the class; returns the graph's outputs. */
export function emitOutputs(graph: OnnxGraph, activation: OutputActivation, activated: string, width: number): GraphOutput[] {
  const float = onnx.TensorProto.DataType.FLOAT;
  if (ONNX_OUTPUT_KINDS[activation] === 'values') {
    graph.node('Identity', [activated], [], OUTPUT_NAMES.values);
    return [{ name: OUTPUT_NAMES.values, elementType: float, width }];
  }
  const probabilities = graph.node('Identity', [activated], [], OUTPUT_NAMES.probabilities);
  emitClass(graph, probabilities, width);
  return [
    { name: OUTPUT_NAMES.probabilities, elementType: float, width },
    { name: OUTPUT_NAMES.class, elementType: onnx.TensorProto.DataType.INT64, width: null },
  ];
}

/** int64 class per row, shape [batch]. */
function emitClass(graph: OnnxGraph, probabilities: string, width: number): void {
  if (width > 1) {
    graph.node('ArgMax', [probabilities], [intAttribute('axis', 1), intAttribute('keepdims', 0), intAttribute('select_last_index', 0)], OUTPUT_NAMES.class);
    return;
  }
  const reached = graph.node('GreaterOrEqual', [probabilities, graph.scalar('threshold', 0.5)]);
  const asInteger = graph.node('Cast', [reached], [intAttribute('to', onnx.TensorProto.DataType.INT64)]);
  graph.node('Reshape', [asInteger, graph.int64s('rows', [-1])], [], OUTPUT_NAMES.class);
}
