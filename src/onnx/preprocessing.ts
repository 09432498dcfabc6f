/**
 * A network's stored input preprocessing as ONNX nodes, so the exported
 * model takes the raw features `predict` takes: x' = (x - shift) * scale
 * per feature, a Sub and a Mul in float32, rounded at the same two steps
 * as src/data/preprocess.ts.
 */
import type { Preprocessing } from '../data/preprocess.js';
import type { OnnxGraph } from './graph.js';

export function emitPreprocessing(graph: OnnxGraph, p: Preprocessing | null, input: string): string {
  if (p === null) return input;
  const features = p.shift.length;
  const shifted = graph.node('Sub', [input, graph.floats(`${p.kind}_shift`, Float32Array.from(p.shift), [features])]);
  return graph.node('Mul', [shifted, graph.floats(`${p.kind}_scale`, Float32Array.from(p.scale), [features])]);
}
