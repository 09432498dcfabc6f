/**
 * The input of the exported model and what predict does to it before the
 * first layer, as ONNX nodes, so that the model takes the raw features
 * `predict` takes:
 * - uint8 input: Cast to float and Div by 255, the float32 predict widens a
 *   Uint8Array byte to (Math.fround(byte * (1 / 255)) is byte / 255
 *   correctly rounded for all 256 bytes; a Mul by float32(1 / 255) is not);
 * - the stored preprocessing, x' = (x - shift) * scale per feature: a Sub
 *   and a Mul in float32, rounded at the same two steps as
 *   src/data/preprocess.ts.
 */
import type { Preprocessing } from '../data/preprocess.js';
import { DEFAULT_BYTE_SCALE } from '../data/dataset.js';
import { intAttribute, type OnnxGraph } from './graph.js';
import type { OnnxInputType } from './input-types.js';
import { onnx } from './proto.js';

/** The ONNX element type of each input type (a function: the schema is loaded on first use, proto.ts). */
export function onnxElementType(type: OnnxInputType): number {
  return type === 'uint8' ? onnx.TensorProto.DataType.UINT8 : onnx.TensorProto.DataType.FLOAT;
}

/** 255: predict's bytes stand for byte / 255. */
const BYTE_DIVISOR = 1 / DEFAULT_BYTE_SCALE;

export function emitInput(graph: OnnxGraph, type: OnnxInputType, p: Preprocessing | null, input: string): string {
  const floats =
    type === 'uint8'
      ? graph.node('Div', [graph.node('Cast', [input], [intAttribute('to', onnx.TensorProto.DataType.FLOAT)]), graph.scalar('byte_divisor', BYTE_DIVISOR)])
      : input;
  if (p === null) return floats;
  const features = p.shift.length;
  const shifted = graph.node('Sub', [floats, graph.floats(`${p.kind}_shift`, Float32Array.from(p.shift), [features])]);
  return graph.node('Mul', [shifted, graph.floats(`${p.kind}_scale`, Float32Array.from(p.scale), [features])]);
}
