// descent's own contestants: the native backend and the js reference, on
// the product path (one trainEpoch call runs many steps, as fit does).
import { Rng } from '../dist/rng.js';
import { initializeParameters, shorthandPlan } from '../dist/build-plan.js';
import { referenceBackend } from '../dist/backend/reference.js';
import * as referenceKernels from '../dist/backend/reference-kernels.js';
import { trialFlops } from './trials.mjs';

const MOMENTUM = { kind: 'momentum', momentum: 0.9, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

function uniformArray(length, rng) {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = rng.uniform();
  return a;
}

/**
 * Steps per call so that one call does about `flopsPerCall` of work: many
 * small steps per boundary crossing, as an epoch of fit would.
 */
function stepsPerCall(trial, flopsPerCall) {
  return Math.max(1, Math.min(2000, Math.round(flopsPerCall / trialFlops(trial))));
}

/**
 * A contestant for a descent backend. `backend` is the Backend object,
 * `kernels` the matching kernel functions, `flopsPerCall` how much work
 * one timed call holds, `threads` the trainer's thread setting.
 */
export function descentContestant(name, backend, kernels, { flopsPerCall, threads = 0 }) {
  return {
    name,
    async prepare(trial) {
      const rng = new Rng(7);
      if (trial.kind === 'step') {
        const steps = stepsPerCall(trial, flopsPerCall);
        const n = trial.batch * steps;
        const plan = shorthandPlan({ layers: trial.layers, activation: 'relu', output: 'softmax', init: 'he' });
        const params = new Float32Array(plan.size);
        initializeParameters(params, plan, 1);
        const state = { optimizer: 'momentum', step: 0, moments: new Float32Array(plan.size) };
        const classes = trial.layers[trial.layers.length - 1];
        const x = uniformArray(n * trial.layers[0], rng);
        const labels = Int32Array.from({ length: n }, () => rng.integer(classes));
        const trainer = await backend.createTrainer(plan, params, state, { x, xScale: 1, n, labels, targets: null }, {
          optimizer: MOMENTUM,
          batchSize: trial.batch,
          threads,
          seed: 1,
        });
        const order = new Uint32Array(n);
        for (let i = 0; i < n; i++) order[i] = i;
        rng.shuffle(order);
        return {
          stepsPerCall: steps,
          call: async () => {
            // As fit calls it when nothing reads the optimizer state between epochs.
            const result = await trainer.trainEpoch({ order, batchSize: trial.batch, lr: 0.01, epoch: 1, syncState: false });
            if (result.failedBatch >= 0) throw new Error(`${name} diverged on ${trial.name}`);
          },
          dispose: () => trainer.dispose(),
        };
      }
      const { batch, inputs, outputs } = trial;
      const x = uniformArray(batch * inputs, rng);
      const w = uniformArray(inputs * outputs, rng).map((v) => (v - 0.5) * 0.1);
      const b = new Float32Array(outputs);
      const y = uniformArray(batch * outputs, rng);
      const relu = 'relu';
      if (trial.kind === 'forward') {
        return { stepsPerCall: 1, call: () => kernels.denseForward(y, x, w, b, batch, inputs, outputs, relu), dispose() {} };
      }
      const dy = uniformArray(batch * outputs, rng);
      const dw = new Float32Array(inputs * outputs);
      const db = new Float32Array(outputs);
      const dx = new Float32Array(batch * inputs);
      return {
        stepsPerCall: 1,
        call: () => kernels.denseBackward(dw, db, dx, dy, x, w, y, batch, inputs, outputs, relu),
        dispose() {},
      };
    },
  };
}

export function referenceContestant() {
  // The reference runs at well under 1 GFLOP/s: one step per call is plenty.
  return descentContestant('descent js', referenceBackend, referenceKernels, { flopsPerCall: 1 });
}
