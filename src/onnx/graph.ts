/**
 * An ONNX graph under construction: nodes in order, the constant tensors
 * they read (initializers), and fresh value names. Each op emitter takes
 * the name of its input value and returns the name of its output value.
 */
import { float32Bytes } from '../io/float32-le.js';
import { onnx, type OnnxTypes } from './proto.js';

export type Attribute = OnnxTypes.IAttributeProto;

/** A float attribute (LeakyRelu's alpha). */
export function floatAttribute(name: string, value: number): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

/** An integer attribute (an axis, a flag). */
export function intAttribute(name: string, value: number): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export class OnnxGraph {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly used = new Map<string, number>();

  /** A name no other value has: the stem, then stem_1, stem_2, ... */
  fresh(stem: string): string {
    const count = this.used.get(stem) ?? 0;
    this.used.set(stem, count + 1);
    return count === 0 ? stem : `${stem}_${count}`;
  }

  /** Appends a node of one output; returns that output's name (given, or fresh from the op's name). */
  node(opType: string, inputs: string[], attributes: Attribute[] = [], output?: string): string {
    const name = output ?? this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, input: inputs, output: [name], name: this.fresh(`${opType}_node`), attribute: attributes });
    return name;
  }

  /** A float32 constant of the given shape (dims [] for a scalar), stored as little-endian raw data. */
  floats(stem: string, values: Float32Array, dims: number[]): string {
    const name = this.fresh(stem);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: float32Bytes(values) });
    return name;
  }

  /** An int64 vector constant (a shape). */
  int64s(stem: string, values: number[]): string {
    const name = this.fresh(stem);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], int64Data: values });
    return name;
  }

  /** A float32 scalar constant, for element-wise arithmetic with broadcasting. */
  scalar(stem: string, value: number): string {
    return this.floats(stem, Float32Array.of(value), []);
  }
}
