/** Check 1: the output activation, the loss and the targets fit one another. */
import { outputLayer } from '../../plan.js';
import type { DoctorContext } from '../context.js';
import type { Finding } from '../findings.js';

/** The range an output activation can reach, for targets outside it. */
const OUTPUT_RANGE: Record<string, [number, number]> = { tanh: [-1, 1], sigmoid: [0, 1], softmax: [0, 1] };

const CLASSIFIER_FIX = "--output softmax --loss cross-entropy (API: output: 'softmax', loss: 'cross-entropy')";

export function checkOutputAndLoss({ network, train }: DoctorContext): Finding[] {
  const plan = network.plan;
  const layer = plan.layers.length - 1;
  const { activation, loss } = outputLayer(plan);
  const findings: Finding[] = [];
  const classes = train.labels !== null;
  const outputs = plan.outputs;
  if (classes && outputs > 1 && loss === 'mse' && (activation === 'tanh' || activation === 'linear')) {
    findings.push({
      code: 'OUTPUT_LOSS_MISMATCH',
      severity: 'error',
      layer,
      message: `a ${activation} output trained with squared error against one-hot class targets: its gradient fades where the output saturates and nothing makes the ${outputs} outputs a distribution`,
      evidence: { output: activation, loss, classes: train.classes, targets: 'one-hot' },
      fix: CLASSIFIER_FIX,
    });
  } else if (classes && outputs > 1 && loss === 'mse' && activation === 'softmax') {
    findings.push({
      code: 'OUTPUT_LOSS_MISMATCH',
      severity: 'warning',
      layer,
      message: 'softmax trained with squared error: the gradient vanishes when a wrong class is confident, so learning is slow',
      evidence: { output: activation, loss, classes: train.classes, targets: 'one-hot' },
      fix: "--loss cross-entropy (API: loss: 'cross-entropy')",
    });
  }
  if (classes && outputs > 1 && activation === 'sigmoid') {
    findings.push({
      code: 'SIGMOID_EXCLUSIVE_CLASSES',
      severity: 'warning',
      layer,
      message: `${outputs} independent sigmoid outputs for classes that exclude one another: their probabilities need not sum to 1`,
      evidence: { output: activation, loss, classes: train.classes },
      fix: CLASSIFIER_FIX,
    });
  }
  const range = OUTPUT_RANGE[activation];
  if (train.targets !== null && range !== undefined) {
    let below = 0;
    let above = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const t of train.targets) {
      if (t < range[0]) below++;
      if (t > range[1]) above++;
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    if (below + above > 0) {
      findings.push({
        code: 'TARGETS_OUT_OF_RANGE',
        severity: 'error',
        layer,
        message: `${below + above} of ${train.targets.length} targets lie outside the ${activation} output's range [${range[0]}, ${range[1]}]: the network can never reach them`,
        evidence: { output: activation, outputMin: range[0], outputMax: range[1], targetMin: min, targetMax: max, outside: below + above, targets: train.targets.length },
        fix: "--output linear (API: output: 'linear'), or scale the targets into the output's range",
      });
    }
  }
  return findings;
}
