/** `descent info`: what a model file holds. */
import { activationLabel } from '../../ops/activations/custom.js';
import { Command } from 'commander';
import type { PlanLayer } from '../../plan.js';
import { readModelFile } from '../../io/model-io.js';
import type { DecodedModel } from '../../io/model-header.js';
import { printJson, printLines } from '../output.js';

const HELP = `
Prints the plan (layers, activations, dropout, output and loss), the parameter count, the input
preprocessing, the class labels, the optimizer state, the checkpoint (when the file is one), how it
was trained (the summary descent train --save keeps in it) and the version of descent that wrote it.

Examples:
  $ descent info --model iris.model
  $ descent info --model run.ckpt --json
`;

export function infoCommand(): Command {
  return new Command('info')
    .description('describe a model file: plan, parameters, preprocessing, labels, how it was trained')
    .requiredOption('--model <file>', 'a model file (or checkpoint) written by descent')
    .option('--json', 'print the description as one JSON object on the last line of stdout', false)
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText('after', HELP)
    .action(async (flags: { model: string; json: boolean }) => {
      const info = describeModel(flags.model, await readModelFile(flags.model));
      await (flags.json ? printJson(info) : printLines(infoLines(info)));
    });
}

interface ModelInfo {
  command: 'info';
  model: string;
  descent: string;
  inputs: number;
  outputs: number;
  layers: number[];
  parameters: number;
  plan: PlanLayer[];
  activations: string[];
  dropout: number[];
  output: string;
  loss: string;
  seed: number;
  preprocessing: { kind: string; features: number } | null;
  labels: string[] | null;
  optimizer: { name: string; step: number } | null;
  checkpoint: { epoch: unknown; epochs: unknown } | null;
  training: Record<string, unknown> | null;
}

function describeModel(path: string, parts: DecodedModel): ModelInfo {
  const { plan } = parts;
  const layers = [plan.inputs];
  const activations: string[] = [];
  const dropout: number[] = [];
  let output = '';
  let loss = '';
  for (const layer of plan.layers) {
    if (layer.kind === 'dense') layers.push(layer.units);
    else if (layer.kind === 'activation') activations.push(activationLabel(layer.activation));
    else if (layer.kind === 'dropout') dropout.push(layer.rate);
    else ({ activation: output, loss } = layer);
  }
  return {
    command: 'info',
    model: path,
    descent: parts.descent,
    inputs: plan.inputs,
    outputs: plan.outputs,
    layers,
    parameters: plan.size,
    plan: plan.layers.map((layer) => ({ ...layer })),
    activations,
    dropout,
    output,
    loss,
    seed: parts.seed,
    preprocessing: parts.preprocessing && { kind: parts.preprocessing.kind, features: parts.preprocessing.shift.length },
    labels: parts.labelNames,
    optimizer: parts.optimizer ? { name: parts.optimizer.name, step: parts.optimizer.step } : null,
    checkpoint: parts.checkpoint ? { epoch: parts.checkpoint.epoch, epochs: parts.checkpoint.epochs } : null,
    training: parts.training,
  };
}

function layerLine(layer: PlanLayer): string {
  switch (layer.kind) {
    case 'dense':
      return `dense ${layer.inputs} -> ${layer.units} (${layer.init} init, ${layer.inputs * layer.units + layer.units} parameters)`;
    case 'activation':
      return `activation ${layer.activation}`;
    case 'dropout':
      return `dropout ${layer.rate}`;
    default:
      return `output ${layer.activation}, loss ${layer.loss}`;
  }
}

function infoLines(info: ModelInfo): string[] {
  const lines = [
    `model ${info.model}, written by descent ${info.descent}`,
    `layers ${info.layers.join('-')}: ${info.parameters} parameters, seed ${info.seed}`,
    ...info.plan.map((layer, i) => `  ${i}: ${layerLine(layer)}`),
    `preprocessing: ${info.preprocessing ? `${info.preprocessing.kind} (fit on the training rows, ${info.preprocessing.features} features)` : 'none'}`,
    `labels: ${info.labels ? info.labels.join(', ') : 'none (class indices, or regression)'}`,
    `optimizer state: ${info.optimizer ? `${info.optimizer.name}, ${info.optimizer.step} steps` : 'none'}`,
  ];
  if (info.checkpoint) lines.push(`checkpoint: epoch ${String(info.checkpoint.epoch)} of ${String(info.checkpoint.epochs)} (continue with descent train --resume)`);
  lines.push(`training: ${info.training === null ? 'not recorded' : ''}`.trimEnd());
  if (info.training !== null) lines.push(...trainingLines(info.training));
  return lines;
}

/** The training summary as indented "key: value" lines (settings one level deeper). */
function trainingLines(training: Record<string, unknown>, indent = '  '): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(training)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      lines.push(`${indent}${key}:`, ...trainingLines(value as Record<string, unknown>, `${indent}  `));
    } else {
      lines.push(`${indent}${key}: ${Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  }
  return lines;
}
