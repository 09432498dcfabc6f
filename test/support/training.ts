// Training runs for the oracle tests: the same plan, data and settings on
// a backend, epoch by epoch, with what came out (params, state, results).
import type { Backend, EpochResult, OptimizerSettings, OptimizerState, TrainingData } from '../../src/backend/types.js';
import { initializeParameters, shorthandPlan, type ShorthandOptions } from '../../src/build-plan.js';
import { optimizerOp } from '../../src/ops/optimizers/index.js';
import type { Plan } from '../../src/plan.js';
import { Rng, shuffledIndices } from '../../src/rng.js';
import { expect } from 'vitest';
import { expectClose, type Tolerance } from './compare.js';

export interface Run {
  params: Float32Array;
  state: OptimizerState;
  results: EpochResult[];
}

export interface RunOptions {
  batchSize: number;
  lr: number;
  epochs: number;
  threads: number;
  seed: number;
  shuffle?: boolean;
}

export function plan(options: ShorthandOptions): Plan {
  return shorthandPlan(options);
}

/** Labels or float targets for n random rows of features. */
export function makeData(seed: number, n: number, features: number, outputs: number, kind: 'labels' | 'targets', loss: string): TrainingData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * features).map(() => rng.normal());
  const classes = outputs === 1 ? 2 : outputs;
  if (kind === 'labels') return { x, xScale: 1, n, labels: new Int32Array(n).map(() => rng.integer(classes)), targets: null };
  const targets = new Float32Array(n * outputs).map(() => (loss === 'mse' ? rng.normal() * 0.5 : rng.uniform() < 0.5 ? 0 : 1));
  return { x, xScale: 1, n, labels: null, targets };
}

export async function train(backend: Backend, p: Plan, optimizer: OptimizerSettings, data: TrainingData, options: RunOptions): Promise<Run> {
  const params = new Float32Array(p.size);
  initializeParameters(params, p, options.seed);
  const state: OptimizerState = { optimizer: optimizer.kind, step: 0, moments: new Float32Array(optimizerOp(optimizer.kind).slots * p.size) };
  const trainer = await backend.createTrainer(p, params, state, data, {
    optimizer,
    batchSize: options.batchSize,
    threads: options.threads,
    seed: options.seed,
  });
  const rng = new Rng(options.seed + 1);
  const results: EpochResult[] = [];
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = options.shuffle === false ? Uint32Array.from({ length: data.n }, (_, i) => i) : shuffledIndices(data.n, rng);
      results.push(await trainer.trainEpoch({ order, batchSize: options.batchSize, lr: options.lr, epoch }));
    }
  } finally {
    trainer.dispose();
  }
  return { params, state, results };
}

export const TRAJECTORY_TOL: Tolerance = { atol: 2e-5, rtol: 1e-3 };

/** Same epochs (counts exact, losses close), close final params and optimizer state. */
export function expectSameRun(native: Run, reference: Run, tol: Tolerance = TRAJECTORY_TOL): void {
  expect(native.results.length).toBe(reference.results.length);
  native.results.forEach((got, i) => {
    const want = reference.results[i];
    expect({ ...got, lossSum: 0, failedLoss: 0 }, `epoch ${i + 1}`).toEqual({ ...want, lossSum: 0, failedLoss: 0 });
    expect(Math.abs(got.lossSum - want.lossSum), `epoch ${i + 1} lossSum ${got.lossSum} vs ${want.lossSum}`).toBeLessThanOrEqual(
      1e-5 + 1e-4 * Math.abs(want.lossSum),
    );
  });
  expectClose(native.params, reference.params, 'final parameters', tol);
  expect(native.state.step).toBe(reference.state.step);
  expectClose(native.state.moments, reference.state.moments, 'optimizer moments', { atol: tol.atol, rtol: tol.rtol * 10 });
}

/** The same run on both backends, compared: the oracle check of a plan. */
export async function expectBackendsAgree(
  native: Backend,
  reference: Backend,
  p: Plan,
  optimizer: OptimizerSettings,
  data: TrainingData,
  options: RunOptions,
): Promise<Run> {
  const want = await train(reference, p, optimizer, data, options);
  const got = await train(native, p, optimizer, data, options);
  expectSameRun(got, want);
  return got;
}
