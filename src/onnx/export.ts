/**
 * A network as an ONNX model (docs/onnx.md): its preprocessing, its plan
 * layer by layer, its outputs, its metadata, encoded with the official
 * schema. The bytes run in onnxruntime with predict's answers.
 */
import type { Preprocessing } from '../data/preprocess.js';
import { descentVersion } from '../io/descent-version.js';
import { classifies } from '../ops/defaults.js';
import { outputLayer, type Plan } from '../plan.js';
import { OnnxGraph } from './graph.js';
import { emitLayer } from './layers.js';
import { emitOutputs, type GraphOutput } from './outputs.js';
import { ONNX_INPUT_TYPE_NAMES, type OnnxInputType } from './input-types.js';
import { emitInput, onnxElementType } from './preprocessing.js';
import { onnx, type OnnxTypes } from './proto.js';
import { expectBoolean, expectKnownKeys, expectObject, expectOneOf } from '../validate.js';

/** The operator set every node belongs to (the default domain). */
export const ONNX_OPSET = 13;
/** The IR version that came with opset 13 (ONNX 1.8). */
const IR_VERSION = 7;

export const ONNX_INPUT = 'features';
/** The symbolic name of the batch dimension of the input and every output. */
export const ONNX_BATCH_DIMENSION = 'batch';

/** The metadata_props keys. */
export const ONNX_METADATA = {
  version: 'descent_version',
  labels: 'label_names',
  preprocessing: 'preprocessing',
} as const;

/** What an export reads of a network. */
export interface OnnxSource {
  readonly plan: Plan;
  readonly params: Float32Array;
  readonly preprocessing: Preprocessing | null;
  readonly labelNames: readonly string[] | null;
}

/** How the model is exported. */
export interface OnnxOptions {
  /**
   * The element type of the input: 'float32' (default), the features as
   * predict takes a Float32Array, or 'uint8', bytes as predict takes a
   * Uint8Array (each standing for byte / 255: a network trained on images).
   */
  input?: OnnxInputType;
  /**
   * Whether the model gets "probabilities" and "class" outputs (true) or
   * "outputs" (false). Default: it classifies when it has label names or
   * a cross-entropy loss (src/ops/defaults.ts classifies); descent export
   * passes the task descent train recorded in the model file.
   */
  classifier?: boolean;
}

/** Checks toOnnx's options. */
export function checkOnnxOptions(options: unknown, source: OnnxSource): { inputType: OnnxInputType; classifier: boolean } {
  const o = expectObject('options', options);
  expectKnownKeys('options', o, ['input', 'classifier']);
  const inputType = o.input === undefined ? 'float32' : expectOneOf('options.input', o.input, ONNX_INPUT_TYPE_NAMES);
  const classifier = o.classifier === undefined ? classifies(outputLayer(source.plan).loss, source.labelNames) : expectBoolean('options.classifier', o.classifier);
  return { inputType, classifier };
}

/** The ONNX model's bytes; a plan ONNX cannot express throws naming the layer. */
export function networkToOnnx(source: OnnxSource, options: OnnxOptions = {}): Uint8Array {
  const { inputType, classifier } = checkOnnxOptions(options, source);
  const { plan, params } = source;
  const graph = new OnnxGraph();
  graph.fresh(ONNX_INPUT);
  let value = emitInput(graph, inputType, source.preprocessing, ONNX_INPUT);
  plan.layers.forEach((layer, index) => {
    value = emitLayer(graph, layer, value, params, `plan[${index}]`);
  });
  const outputs = emitOutputs(graph, classifier, value, plan.outputs);
  const model: OnnxTypes.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'descent',
    producerVersion: descentVersion(),
    graph: {
      name: 'descent',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo({ name: ONNX_INPUT, elementType: onnxElementType(inputType), width: plan.inputs })],
      output: outputs.map(valueInfo),
    },
    metadataProps: metadataOf(source),
  };
  return onnx.ModelProto.encode(model).finish();
}

/** A tensor of [batch] or [batch, width]. */
function valueInfo({ name, elementType, width }: GraphOutput): OnnxTypes.IValueInfoProto {
  const dim: OnnxTypes.TensorShapeProto.IDimension[] = [{ dimParam: ONNX_BATCH_DIMENSION }];
  if (width !== null) dim.push({ dimValue: width });
  return { name, type: { tensorType: { elemType: elementType, shape: { dim } } } };
}

function metadataOf(source: OnnxSource): OnnxTypes.IStringStringEntryProto[] {
  const entries: OnnxTypes.IStringStringEntryProto[] = [
    { key: ONNX_METADATA.version, value: descentVersion() },
    { key: ONNX_METADATA.preprocessing, value: source.preprocessing?.kind ?? 'none' },
  ];
  if (source.labelNames !== null) entries.push({ key: ONNX_METADATA.labels, value: JSON.stringify(source.labelNames) });
  return entries;
}
