/**
 * The graph's outputs. A classifier (src/ops/defaults.ts classifies: label
 * names or a cross-entropy loss, as descent predict decides) gives
 * `probabilities` and `class`, the index descent's predictClasses gives
 * (src/ops/activations/apply.ts predictedClass: the arg max, first on
 * ties; for one unit 1 when it reaches 0.5). A regressor (mse, no label
 * names: a tanh or linear output, or a sigmoid one fit to values) gives
 * its values as `outputs` alone.
 */
import { intAttribute, type OnnxGraph } from './graph.js';
import { onnx } from './proto.js';

export const OUTPUT_NAMES = { probabilities: 'probabilities', values: 'outputs', class: 'class' } as const;

export interface GraphOutput {
  name: string;
  elementType: number;
  /** Per row: the width of the row, or null for one value per row (shape [batch]). */
  width: number | null;
}

/** The names of the graph's outputs for a classifier, or a regressor. */
export function onnxOutputNames(classifier: boolean): string[] {
  return classifier ? [OUTPUT_NAMES.probabilities, OUTPUT_NAMES.class] : [OUTPUT_NAMES.values];
}

/** Names the activated outputs and, for a classifier, adds the class; returns the graph's outputs. */
export function emitOutputs(graph: OnnxGraph, classifier: boolean, activated: string, width: number): GraphOutput[] {
  const float = onnx.TensorProto.DataType.FLOAT;
  if (!classifier) {
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
