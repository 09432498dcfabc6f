/**
 * The official ONNX schema (onnx.proto, compiled by protobufjs, from the
 * onnx-proto package): the message classes the export builds and encodes.
 *
 * Loaded on first use: protobufjs and the compiled schema add about 6 MB
 * to a process's RSS (measured: 45 MB for `require('onnx-proto')` against
 * 39 MB for bare node), which every `import 'descent-nn'` and every CLI
 * command would pay without ever exporting. onnx-proto is CommonJS, so a
 * synchronous require loads it.
 */
import { createRequire } from 'node:module';
import type onnxProto from 'onnx-proto';

type Schema = typeof onnxProto.onnx;

const require = createRequire(import.meta.url);
let schema: Schema | undefined;

/** The onnx namespace of onnx-proto; the package is required when a property is first read. */
export const onnx: Schema = new Proxy({} as Schema, {
  get: (_target, key) => Reflect.get((schema ??= (require('onnx-proto') as typeof onnxProto).onnx), key),
});
export type { onnx as OnnxTypes } from 'onnx-proto';
