/** `descent export`: a saved model as an ONNX model, for onnxruntime and other runtimes. */
import { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { ONNX_INPUT, ONNX_OPSET } from '../../onnx/export.js';
import { onnxOutputNames } from '../../onnx/outputs.js';
import { checkNotInput, checkWritable } from '../files.js';
import { loadModel } from '../model.js';
import { printJson, printLines } from '../output.js';

const HELP = `
The ONNX model (opset ${ONNX_OPSET}) takes the raw features descent predict takes: input "${ONNX_INPUT}",
float32 [batch, inputs]; the model's preprocessing is part of the graph. Softmax and sigmoid networks
give "probabilities" and "class" (int64, the class descent predicts), tanh and linear ones "outputs".
The label names and descent's version are in the metadata. The file is replaced only when complete.

Examples:
  $ descent export --model iris.model --onnx iris.onnx
  $ descent export --model digits.model --onnx digits.onnx --json
`;

export function exportCommand(): Command {
  return new Command('export')
    .description('export a saved model as ONNX, for onnxruntime')
    .requiredOption('--model <file>', 'a model file written by descent train --save (or net.save)')
    .requiredOption('--onnx <file>', 'the ONNX file to write, atomically')
    .option('--json', 'print what was written as one JSON object on the last line of stdout', false)
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText('after', HELP)
    .action(async (flags: { model: string; onnx: string; json: boolean }) => {
      const { network } = await loadModel(flags.model);
      await checkWritable('--onnx', flags.onnx);
      await checkNotInput('--onnx', flags.onnx, '--model', flags.model);
      const bytes = network.toOnnx();
      await writeFileAtomic(flags.onnx, bytes);
      const outputs = onnxOutputNames(network.output);
      const result = { command: 'export', model: flags.model, onnx: flags.onnx, opset: ONNX_OPSET, bytes: bytes.length, input: ONNX_INPUT, outputs };
      await (flags.json
        ? printJson(result)
        : printLines([`wrote ${flags.onnx}: ONNX opset ${ONNX_OPSET}, ${bytes.length} bytes; input ${ONNX_INPUT} [batch, ${network.inputs}], outputs ${outputs.join(', ')}`]));
    });
}
