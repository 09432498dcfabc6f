/**
 * Per-layer statistics (trainer option probe): the native trainer's against
 * the reference trainer's on the same plan, data and batches, with every
 * layer kind and both a fused (tanh after dense) and a standalone (GELU)
 * activation, on one and two threads; and none when probing is off.
 */
import { describe, expect, it } from 'vitest';
import { nativeAvailable, nativeBackend } from '../src/backend/native.js';
import { referenceBackend } from '../src/backend/reference.js';
import type { Backend, EpochResult, LayerStats } from '../src/backend/types.js';
import { explicitPlan, initializeParameters } from '../src/build-plan.js';
import type { Plan } from '../src/plan.js';
import { Rng, shuffledIndices } from '../src/rng.js';
import { optimizerSettings } from './support/optimizer.js';

const plan: Plan = explicitPlan(13, [
  { kind: 'dense', units: 29 },
  { kind: 'activation', activation: 'relu' },
  { kind: 'dropout', rate: 0.2 },
  { kind: 'dense', units: 17 },
  { kind: 'activation', activation: 'tanh' },
  { kind: 'dense', units: 11 },
  { kind: 'activation', activation: 'sigmoid' },
  { kind: 'dense', units: 7 },
  { kind: 'activation', activation: 'gelu' },
  { kind: 'dense', units: 5 },
  { kind: 'output', activation: 'softmax' },
], 'glorot');

function data(n: number) {
  const rng = new Rng(3);
  // Inputs of scale 3 saturate some tanh and sigmoid units and kill some ReLUs.
  const x = Float32Array.from({ length: n * plan.inputs }, () => rng.normal() * 3);
  const labels = Int32Array.from({ length: n }, () => rng.integer(plan.outputs));
  return { x, xScale: 1, n, labels, targets: null };
}

async function epochs(backend: Backend, threads: number, probe: boolean): Promise<EpochResult[]> {
  const params = new Float32Array(plan.size);
  initializeParameters(params, plan, 1);
  const optimizer = optimizerSettings('momentum', {});
  const state = { optimizer: 'momentum', step: 0, moments: new Float32Array(plan.size) };
  const trainer = await backend.createTrainer(plan, params, state, data(300), { optimizer, batchSize: 128, threads, seed: 5, probe });
  const rng = new Rng(9);
  const results: EpochResult[] = [];
  try {
    for (let epoch = 1; epoch <= 3; epoch++) {
      results.push(await trainer.trainEpoch({ order: shuffledIndices(300, rng), batchSize: 128, lr: 0.05, epoch }));
    }
  } finally {
    trainer.dispose();
  }
  return results;
}

function expectStatsAgree(native: LayerStats[], js: LayerStats[]): void {
  expect(native.map((s) => [s.layer, s.kind, s.steps, s.units, s.values])).toEqual(js.map((s) => [s.layer, s.kind, s.steps, s.units, s.values]));
  for (let i = 0; i < js.length; i++) {
    const [n, j] = [native[i], js[i]];
    // Sums of float32 values rounded in other orders (BLAS against loops): relative 1e-4.
    for (const key of ['gradSquares', 'updateSquares', 'weightSquares'] as const) {
      expect(Math.abs(n[key] - j[key]), `plan[${j.layer}].${key}: native ${n[key]}, js ${j[key]}`).toBeLessThanOrEqual(1e-4 * Math.abs(j[key]) + 1e-12);
    }
    expect(n.deadUnits, `plan[${j.layer}].deadUnits`).toBe(j.deadUnits);
    // A value within rounding of the saturation threshold may fall either side: at most 0.5% of the values.
    expect(Math.abs(n.saturated - j.saturated), `plan[${j.layer}].saturated`).toBeLessThanOrEqual(Math.ceil(0.005 * j.values));
  }
}

describe('layer statistics', () => {
  it('the js trainer reports every dense and activation layer, with the quantities they measure', async () => {
    const [first] = await epochs(referenceBackend, 0, true);
    const stats = first.layerStats!;
    expect(stats.map((s) => `${s.layer}:${s.kind}`)).toEqual(['0:dense', '1:activation', '3:dense', '4:activation', '5:dense', '6:activation', '7:dense', '8:activation', '9:dense']);
    for (const s of stats) expect(s.steps).toBe(3);
    for (const s of stats.filter((s) => s.kind === 'dense')) {
      expect(s.gradSquares).toBeGreaterThan(0);
      expect(s.updateSquares).toBeGreaterThan(0);
      expect(s.weightSquares).toBeGreaterThan(0);
    }
    const tanh = stats.find((s) => s.layer === 4)!;
    expect(tanh.values).toBe(300 * 17);
    expect(tanh.saturated).toBeGreaterThan(0);
    expect(stats.find((s) => s.layer === 8)!.saturated).toBe(0);
  });

  it('costs nothing when off: no statistics in the result', async () => {
    const [first] = await epochs(referenceBackend, 0, false);
    expect(first.layerStats).toBeUndefined();
    if (nativeAvailable()) expect((await epochs(nativeBackend, 1, false))[0].layerStats).toBeUndefined();
  });

  it.skipIf(!nativeAvailable())('native and js agree, epoch by epoch, on 1 and 2 threads', async () => {
    const js = await epochs(referenceBackend, 0, true);
    for (const threads of [1, 2]) {
      const native = await epochs(nativeBackend, threads, true);
      for (let e = 0; e < js.length; e++) expectStatsAgree(native[e].layerStats!, js[e].layerStats!);
    }
  });
});
