/**
 * The official ONNX schema (onnx.proto, compiled by protobufjs, from the
 * onnx-proto package): the message classes the export builds and encodes.
 * onnx-proto is CommonJS, so its namespace comes through the default import.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';
