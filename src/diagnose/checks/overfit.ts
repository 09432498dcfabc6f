/**
 * Check 7: can the network learn one small batch by heart? With the
 * user's optimizer and learning rate, a fresh copy of the initial weights
 * trains on 16 rows, in rounds of 50 steps until it has fitted them or
 * 1000 steps have run. A network that cannot fit 16 rows cannot fit a
 * data set: something in it is broken.
 */
import type { OptimizerState } from '../../backend/types.js';
import { outputLayer } from '../../plan.js';
import { lossOp } from '../../ops/losses/index.js';
import { optimizerOp } from '../../ops/optimizers/index.js';
import { predictedClass } from '../../ops/activations/apply.js';
import type { DoctorContext } from '../context.js';
import { round, type Finding } from '../findings.js';
import { sampleOrderJob } from '../probe.js';
import { preprocessRows } from '../../data/preprocess.js';
import { runYielding } from '../../cooperative.js';

/** Rows to memorise: more than the classes of most tasks, few enough to fit by heart quickly. */
export const OVERFIT_ROWS = 16;
/**
 * Steps on those rows, at most: a wide network (64-128-10 on the digits)
 * fits them in under 150 steps of Adam at 0.002, but a narrow one (4-8-1
 * on overlapping classes, 3-16-1 regression) needs 500 to 1000. 16 rows a
 * step keep even 1000 steps of Fashion-MNIST's network well under a second.
 */
export const OVERFIT_MAX_STEPS = 1000;
/** Steps between looks at whether the rows are fitted: a wide network stops after the first few rounds. */
const OVERFIT_ROUND = 50;
/** Regression passes when the loss falls below this share of where it started. */
const REGRESSION_SHARE = 0.1;

export async function checkOverfit({ network, train, fit }: DoctorContext): Promise<Finding[]> {
  const { plan } = network;
  const rows = Math.min(OVERFIT_ROWS, train.n);
  const picked = await runYielding(sampleOrderJob(train.n, rows, fit.seed + 1));
  // The picked rows alone, preprocessed as the network sees them.
  const x = new Float32Array(rows * plan.inputs);
  picked.forEach((row, r) => preprocessRows(network.preprocessing, train.x, train.xScale, plan.inputs, row, 1, x.subarray(r * plan.inputs)));
  const labels = train.labels === null ? null : Int32Array.from(picked, (row) => train.labels![row]);
  const targets = train.targets === null ? null : new Float32Array(rows * plan.outputs);
  if (targets !== null) picked.forEach((row, r) => targets.set(train.targets!.subarray(row * plan.outputs, (row + 1) * plan.outputs), r * plan.outputs));
  const params = network.params.slice();
  const state: OptimizerState = { optimizer: fit.optimizer.kind, step: 0, moments: new Float32Array(optimizerOp(fit.optimizer.kind).slots * params.length) };
  const trainer = await network.backend.createTrainer(plan, params, state, { x, xScale: 1, n: rows, labels, targets }, {
    optimizer: fit.optimizer,
    batchSize: rows,
    threads: fit.threads,
    seed: fit.seed,
  });
  const before = lossOn(network, network.params, x, labels, targets, rows);
  const pass = new Uint32Array(rows * OVERFIT_ROUND).map((_, i) => i % rows);
  let failed = false;
  let steps = 0;
  let after = before;
  const isFitted = () => (after.accuracy !== null ? after.accuracy === 1 : after.loss < REGRESSION_SHARE * before.loss);
  try {
    while (steps < OVERFIT_MAX_STEPS && !failed && !isFitted()) {
      failed = (await trainer.trainEpoch({ order: pass, batchSize: rows, lr: fit.lr, epoch: steps / OVERFIT_ROUND + 1, syncState: false })).failedBatch >= 0;
      steps += OVERFIT_ROUND;
      after = lossOn(network, params, x, labels, targets, rows);
    }
  } finally {
    trainer.dispose();
  }
  const evidence = { rows, steps, initialLoss: round(before.loss), finalLoss: round(after.loss), accuracy: after.accuracy === null ? null : round(after.accuracy) };
  const fitted = !failed && isFitted();
  if (fitted) return [];
  return [
    {
      code: 'OVERFIT_FAILED',
      severity: 'error',
      layer: null,
      message: `it cannot learn ${rows} rows by heart in ${steps} steps (${after.accuracy === null ? `loss ${round(before.loss)} to ${round(after.loss)}` : `accuracy ${round(after.accuracy)} on them`}): something in the network or its settings is broken`,
      evidence,
      fix: `fix the other errors first; then try --optimizer adam --lr 0.002 (now ${fit.optimizer.kind} at ${fit.lr})`,
    },
  ];
}

/** Mean loss and accuracy (classification) of params on rows of x. */
function lossOn(network: DoctorContext['network'], params: Float32Array, x: Float32Array, labels: Int32Array | null, targets: Float32Array | null, rows: number): { loss: number; accuracy: number | null } {
  const { plan } = network;
  const out = new Float32Array(rows * plan.outputs);
  network.backend.predict(plan, params, x, rows, out);
  const op = lossOp(outputLayer(plan).loss);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const row = r * plan.outputs;
    loss += op.sampleLoss(out, row, plan.outputs, (j) => (targets !== null ? targets[row + j] : plan.outputs === 1 ? labels![r] : labels![r] === j ? 1 : 0));
    if (labels !== null && predictedClass(out, row, plan.outputs) === labels[r]) correct++;
  }
  return { loss: loss / rows, accuracy: labels === null ? null : correct / rows };
}
