/** `descent export`: a saved model as an ONNX model, for onnxruntime and other runtimes. */
import { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { ONNX_INPUT, ONNX_OPSET } from '../../onnx/export.js';
import { onnxOutputNames } from '../../onnx/outputs.js';
import { ONNX_INPUT_TYPE_NAMES, type OnnxInputType } from '../../onnx/input-types.js';
import { dataKind } from '../datasets.js';
import { UsageError } from '../errors.js';
import { checkNotInput, checkWritable } from '../files.js';
import { loadModel, taskOf, type Model } from '../model.js';
import { printJson, printLines } from '../output.js';

const HELP = `
The ONNX model (opset ${ONNX_OPSET}) takes the raw features descent predict takes: input "${ONNX_INPUT}",
[batch, inputs], float32, or uint8 for a model trained on IDX images (the pixel bytes, as predict reads
them from an IDX file; --input-type says otherwise); the model's preprocessing is part of the graph. A classifier
(what descent predict writes a label column for) gives "probabilities" and "class" (int64, the class descent predict
gives); a regressor "outputs".
The label names and descent's version are in the metadata. The file is replaced only when complete.

Examples:
  $ descent export --model iris.model --onnx iris.onnx
  $ descent export --model digits.model --onnx digits.onnx --json
  $ descent export --model fashion.model --onnx fashion.onnx --input-type float32
`;

const INPUT_TYPES: readonly OnnxInputType[] = ONNX_INPUT_TYPE_NAMES;

/** uint8 for a model trained on IDX images (fashion-mnist, idx:DIR: bytes), float32 otherwise. */
function defaultInputType(model: Model): OnnxInputType {
  const data = (model.parts.training?.settings as { data?: unknown } | undefined)?.data;
  return typeof data === 'string' && (dataKind(data) === 'fashion-mnist' || dataKind(data) === 'idx') ? 'uint8' : 'float32';
}

export function exportCommand(): Command {
  return new Command('export')
    .description('export a saved model as ONNX, for onnxruntime')
    .requiredOption('--model <file>', 'a model file written by descent train --save (or net.save)')
    .requiredOption('--onnx <file>', 'the ONNX file to write, atomically')
    .option('--input-type <type>', `the input's element type, ${INPUT_TYPES.join(' or ')} (default: uint8 for a model trained on IDX images)`)
    .option('--json', 'print what was written as one JSON object on the last line of stdout', false)
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText('after', HELP)
    .action(async (flags: { model: string; onnx: string; inputType?: string; json: boolean }) => {
      if (flags.inputType !== undefined && !(INPUT_TYPES as readonly string[]).includes(flags.inputType)) {
        throw new UsageError(`--input-type must be ${INPUT_TYPES.join(' or ')}, received "${flags.inputType}"`, 'export');
      }
      const model = await loadModel(flags.model);
      const { network } = model;
      await checkWritable('--onnx', flags.onnx);
      await checkNotInput('--onnx', flags.onnx, '--model', flags.model);
      const inputType = (flags.inputType as OnnxInputType | undefined) ?? defaultInputType(model);
      // The task as descent predict sees it: the one descent train recorded, if any.
      const classifier = taskOf(model) === 'classification';
      const bytes = network.toOnnx({ input: inputType, classifier });
      await writeFileAtomic(flags.onnx, bytes);
      const outputs = onnxOutputNames(classifier);
      const result = { command: 'export', model: flags.model, onnx: flags.onnx, opset: ONNX_OPSET, bytes: bytes.length, input: ONNX_INPUT, inputType, outputs };
      await (flags.json
        ? printJson(result)
        : printLines([`wrote ${flags.onnx}: ONNX opset ${ONNX_OPSET}, ${bytes.length} bytes; input ${ONNX_INPUT} ${inputType} [batch, ${network.inputs}], outputs ${outputs.join(', ')}`]));
    });
}
