/**
 * Check 5, the output layer: the probe's statistics cover hidden activation
 * layers only (the output's activation runs inside the loss). A tanh or
 * sigmoid output trained with squared error passes its gradient through
 * f'(z), which is ~0 at the ends of its range: outputs pinned there at the
 * initial weights cannot move. (Under binary cross-entropy the sigmoid's
 * derivative cancels, so a confident sigmoid output still learns.)
 */
import { saturationTest } from '../../backend/layer-stats.js';
import { preprocessRows } from '../../data/preprocess.js';
import { outputLayer } from '../../plan.js';
import type { DoctorContext } from '../context.js';
import { round, type Finding } from '../findings.js';
import { SATURATED_WARNING } from './layer-health.js';

/** Rows the initial outputs are measured on (as the initial loss). */
const ROWS = 1024;
/** Nine in ten outputs pinned: almost nothing of the loss's gradient reaches the network. */
const SATURATED_ERROR = 0.9;

export function checkOutputSaturation({ network, train }: DoctorContext): Finding[] {
  const { plan } = network;
  const { activation, loss } = outputLayer(plan);
  const saturated = saturationTest(activation);
  if (saturated === null || loss !== 'mse') return [];
  const rows = Math.min(ROWS, train.n);
  const x = preprocessRows(network.preprocessing, train.x, train.xScale, plan.inputs, 0, rows, new Float32Array(rows * plan.inputs));
  const out = new Float32Array(rows * plan.outputs);
  network.backend.predict(plan, network.params, x, rows, out);
  let count = 0;
  for (const a of out) if (saturated(a)) count++;
  const share = count / out.length;
  if (share <= SATURATED_WARNING) return [];
  return [
    {
      code: 'SATURATED_UNITS',
      severity: share >= SATURATED_ERROR ? 'error' : 'warning',
      layer: plan.layers.length - 1,
      message: `${round(share * 100)}% of the initial ${activation} outputs sit at the flat ends of their range, where squared error passes almost no gradient back: the network cannot move them`,
      evidence: { saturatedShare: round(share), values: out.length },
      fix: "--output softmax --loss cross-entropy for classes (--output linear for regression), and --init he or --init glorot",
    },
  ];
}
