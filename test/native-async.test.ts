/**
 * trainEpoch runs off the JS thread: timers keep firing while it computes,
 * one trainer refuses a second concurrent epoch while two trainers run side
 * by side, and an AbortSignal (or dispose) stops an epoch between batches.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable, nativeBackend } from '../src/backend/native.js';
import type { OptimizerSettings, Trainer, TrainingData } from '../src/backend/types.js';
import { initializeParameters, shorthandPlan } from '../src/build-plan.js';
import type { Plan } from '../src/plan.js';
import { Rng } from '../src/rng.js';
import { optimizerSettings } from './support/optimizer.js';
import { ready } from './support/native-trainer.js';

const BIG: Plan = shorthandPlan({ layers: [256, 512, 512, 10] });
const SMALL: Plan = shorthandPlan({ layers: [16, 24, 5], activation: 'tanh' });
const OPTIMIZER: OptimizerSettings = optimizerSettings('momentum');

function dataFor(plan: Plan, n: number, seed: number): TrainingData {
  const rng = new Rng(seed);
  const features = plan.inputs;
  const classes = plan.outputs;
  return {
    x: new Float32Array(n * features).map(() => rng.uniform()),
    xScale: 1,
    n,
    labels: new Int32Array(n).map(() => rng.integer(classes)),
    targets: null,
  };
}

function paramsFor(plan: Plan, seed: number): Float32Array {
  const params = new Float32Array(plan.size);
  initializeParameters(params, plan, seed);
  return params;
}

/** An order of `batches` batches over n rows (rows repeat). */
function longOrder(n: number, batchSize: number, batches: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  return Uint32Array.from({ length: batchSize * batches }, () => rng.integer(n));
}

function make(plan: Plan, params: Float32Array, data: TrainingData, batchSize: number, threads = 0): Promise<Trainer> {
  const state = { optimizer: OPTIMIZER.kind, step: 0, moments: new Float32Array(plan.size) };
  return nativeBackend.createTrainer(plan, params, state, data, { optimizer: OPTIMIZER, batchSize, threads, seed: 0 });
}

describe.runIf(nativeAvailable())('native trainEpoch off the JS thread', () => {
  it('a 5 ms timer keeps firing during an epoch: its 50th tick aborts an epoch of 20,000 batches', { timeout: 120_000 }, async () => {
    // On the JS thread the epoch would hold the timer until it ended, all
    // 20,000 batches done; off it, the timer fires while the batches run and
    // its abort stops them. (The longest gap is the benchmark's to measure,
    // bench/event-loop.mjs: a timed bound fails whenever the machine is busy.)
    const batches = 20_000;
    const trainer = await make(BIG, paramsFor(BIG, 1), dataFor(BIG, 2048, 1), 128);
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => {
      if (++ticks === 50) controller.abort();
    }, 5);
    let result;
    try {
      result = await trainer.trainEpoch({ order: longOrder(2048, 128, batches, 3), batchSize: 128, lr: 0.01, epoch: 1, signal: controller.signal });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(50);
    expect(result).toMatchObject({ aborted: true, failedBatch: -1 });
    expect(result.steps).toBeGreaterThan(0);
    expect(result.steps).toBeLessThan(batches);
    trainer.dispose();
  });

  it('refuses a second concurrent trainEpoch on the same trainer', { timeout: 60_000 }, async () => {
    const data = dataFor(BIG, 1024, 4);
    const trainer = await make(BIG, paramsFor(BIG, 4), data, 64);
    const first = trainer.trainEpoch({ order: longOrder(1024, 64, 40, 5), batchSize: 64, lr: 0.01, epoch: 1 });
    await expect(trainer.trainEpoch({ order: longOrder(1024, 64, 2, 6), batchSize: 64, lr: 0.01, epoch: 1 })).rejects.toThrow(
      /trainEpoch: this trainer is already running an epoch; await the previous trainEpoch before starting another/,
    );
    const result = await first;
    expect(result).toMatchObject({ steps: 40, aborted: false, failedBatch: -1 });
    // Once the first has finished, the trainer takes the next epoch.
    await expect(trainer.trainEpoch({ order: longOrder(1024, 64, 2, 6), batchSize: 64, lr: 0.01, epoch: 1 })).resolves.toMatchObject({ steps: 2 });
    trainer.dispose();
  });

  it('the addon refuses it synchronously', async () => {
    const addon = loadNativeAddon();
    const data = dataFor(SMALL, 64, 7);
    const trainer = await ready(
      new addon.Trainer(SMALL, paramsFor(SMALL, 7), new Float32Array(0), data, {
        batchSize: 8,
        threads: 1,
        seed: 0,
        step: 0,
        optimizer: optimizerSettings('sgd'),
      }),
      64,
    );
    const order = longOrder(64, 8, 10, 8);
    const first = trainer.trainEpoch(order, 8, 0.1, 1);
    expect(trainer.running).toBe(true);
    expect(() => trainer.trainEpoch(order, 8, 0.1, 1)).toThrow(/already running an epoch/);
    return first.then((result) => {
      expect(result.steps).toBe(10);
      expect(trainer.running).toBe(false);
      trainer.dispose();
    });
  });

  it('two trainers train concurrently, each as it would alone', { timeout: 60_000 }, async () => {
    const data = dataFor(SMALL, 500, 9);
    const orders = [longOrder(500, 20, 200, 10), longOrder(500, 20, 200, 11)];
    const alone = [];
    for (const order of orders) {
      const params = paramsFor(SMALL, 12);
      const trainer = await make(SMALL, params, data, 20, 2);
      await trainer.trainEpoch({ order, batchSize: 20, lr: 0.05, epoch: 1 });
      trainer.dispose();
      alone.push(params);
    }
    const together = orders.map(() => paramsFor(SMALL, 12));
    const trainers = await Promise.all(together.map((params) => make(SMALL, params, data, 20, 2)));
    const results = await Promise.all(trainers.map((trainer, i) => trainer.trainEpoch({ order: orders[i], batchSize: 20, lr: 0.05, epoch: 1 })));
    for (const result of results) expect(result).toMatchObject({ steps: 200, aborted: false });
    for (let i = 0; i < 2; i++) expect(new Uint32Array(together[i].buffer)).toEqual(new Uint32Array(alone[i].buffer));
    for (const trainer of trainers) trainer.dispose();
  });

  it('an AbortSignal stops the epoch between batches with aborted: true', { timeout: 60_000 }, async () => {
    const data = dataFor(BIG, 1024, 13);
    const params = paramsFor(BIG, 13);
    const trainer = await make(BIG, params, data, 64, 2);
    const order = longOrder(1024, 64, 20_000, 14);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const result = await trainer.trainEpoch({ order, batchSize: 64, lr: 0.01, epoch: 1, signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(result.failedBatch).toBe(-1);
    expect(result.steps).toBeGreaterThan(0);
    expect(result.steps).toBeLessThan(20_000);
    expect(result.samples).toBe(result.steps * 64);
    trainer.dispose();

    // Exactly `steps` batches were applied: the same run cut to that length gives the same weights.
    const again = paramsFor(BIG, 13);
    const replay = await make(BIG, again, data, 64, 2);
    await replay.trainEpoch({ order: order.subarray(0, result.steps * 64), batchSize: 64, lr: 0.01, epoch: 1 });
    replay.dispose();
    expect(new Uint32Array(params.buffer)).toEqual(new Uint32Array(again.buffer));
  });

  it('an already aborted signal runs no batch', async () => {
    const params = paramsFor(SMALL, 15);
    const before = params.slice();
    const trainer = await make(SMALL, params, dataFor(SMALL, 50, 15), 10);
    const controller = new AbortController();
    controller.abort();
    const result = await trainer.trainEpoch({ order: longOrder(50, 10, 5, 16), batchSize: 10, lr: 0.1, epoch: 1, signal: controller.signal });
    expect(result).toMatchObject({ aborted: true, steps: 0, samples: 0 });
    expect(params).toEqual(before);
    trainer.dispose();
  });

  it('dispose during an epoch stops it; the trainer then refuses work', { timeout: 60_000 }, async () => {
    const trainer = await make(BIG, paramsFor(BIG, 17), dataFor(BIG, 512, 17), 64, 2);
    const running = trainer.trainEpoch({ order: longOrder(512, 64, 20_000, 18), batchSize: 64, lr: 0.01, epoch: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    trainer.dispose();
    const result = await running;
    expect(result.aborted).toBe(true);
    await expect(trainer.trainEpoch({ order: longOrder(512, 64, 1, 19), batchSize: 64, lr: 0.01, epoch: 1 })).rejects.toThrow(/has been disposed/);
  });
});
