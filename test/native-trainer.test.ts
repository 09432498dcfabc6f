/**
 * The native trainer against the reference trainer, enumerated from the
 * registry: every hidden activation x every output / loss pair x every
 * optimizer, and every layer kind (dropout), as 20-step trajectories (two
 * epochs of ten batches, the last one short) on odd shapes. Then the same
 * bits on any thread count, the failed-batch rule, and the thread choice.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable, nativeBackend, NativeTrainer } from '../src/backend/native.js';
import { referenceBackend } from '../src/backend/reference.js';
import type { OptimizerSettings } from '../src/backend/types.js';
import { HIDDEN_ACTIVATIONS, LAYER_KIND_NAMES, OPTIMIZERS, type OutputActivation } from '../src/spec.js';
import { LOSSES_BY_NAME, type LossName } from '../src/ops/losses/index.js';
import { optimizerOp } from '../src/ops/optimizers/index.js';
import { layerKind } from '../src/ops/layers/index.js';
import { explicitPlan } from '../src/build-plan.js';
import type { OptimizerName } from '../src/spec.js';
import { optimizerSettings } from './support/optimizer.js';
import { expectClose } from './support/compare.js';
import { expectBackendsAgree, expectSameRun, makeData, plan, train } from './support/training.js';

/** Every optimizer, plus the variants of the settings it reads. */
const OPTIMIZER_RUNS: [string, OptimizerSettings, number][] = OPTIMIZERS.flatMap((kind: OptimizerName) => {
  const op = optimizerOp(kind);
  const lr = Math.min(0.1, op.defaultLr * 5);
  const runs: [string, OptimizerSettings, number][] = [[kind, optimizerSettings(kind, { weightDecay: op.defaultWeightDecay }), lr]];
  runs.push([`${kind} + weight decay 0.05`, optimizerSettings(kind, { weightDecay: 0.05 }), lr]);
  if ((op.uses as readonly string[]).includes('nesterov')) runs.push([`${kind} (nesterov)`, optimizerSettings(kind, { nesterov: true }), lr]);
  return runs;
});

/** Every output / loss pair with the targets it trains on: class labels, and float targets where the loss takes them. */
const HEADS: [OutputActivation, LossName, number, 'labels' | 'targets'][] = (Object.keys(LOSSES_BY_NAME) as LossName[]).flatMap((loss) =>
  (LOSSES_BY_NAME[loss].outputs as readonly OutputActivation[]).flatMap((output) => {
    const heads: [OutputActivation, LossName, number, 'labels' | 'targets'][] = [[output, loss, output === 'sigmoid' ? 1 : 4, 'labels']];
    if (!LOSSES_BY_NAME[loss].needsLabels) heads.push([output, loss, 3, 'targets']);
    return heads;
  }),
);

describe.runIf(nativeAvailable())('native trainer vs reference trainer', () => {
  it('the registry has what these tests enumerate', () => {
    expect(HIDDEN_ACTIVATIONS).toEqual(expect.arrayContaining(['relu', 'gelu', 'silu']));
    expect(LAYER_KIND_NAMES).toEqual(expect.arrayContaining(['dense', 'activation', 'dropout', 'output']));
    expect(HEADS.length).toBeGreaterThanOrEqual(7);
  });

  describe('every layer kind, inserted between hidden layers', () => {
    for (const kind of LAYER_KIND_NAMES) {
      const example = layerKind(kind).example;
      if (example === null) continue; // the output layer: in every plan above
      for (const activation of HIDDEN_ACTIVATIONS) {
        it(`${JSON.stringify(example)} after a ${activation} layer`, async () => {
          const p = explicitPlan(
            9,
            [
              { kind: 'dense', units: 13 },
              { kind: 'activation', activation },
              example,
              { kind: 'dense', units: 11 },
              { kind: 'activation', activation },
              { kind: 'dense', units: 4 },
              { kind: 'output', activation: 'softmax' },
            ],
            undefined,
          );
          const data = makeData(31, 97, 9, 4, 'labels', 'cross-entropy');
          const options = { batchSize: 10, lr: 0.01, epochs: 2, threads: 2, seed: 5 };
          await expectBackendsAgree(nativeBackend, referenceBackend, p, optimizerSettings('adam'), data, options);
        });
      }
    }
  });

  describe('20-step trajectories: activation x output / loss x optimizer', () => {
    for (const [optName, optimizer, lr] of OPTIMIZER_RUNS) {
      for (const activation of HIDDEN_ACTIVATIONS) {
        for (const [output, loss, outputs, targetKind] of HEADS) {
          it(`${optName}, ${activation}, ${output} + ${loss} (${outputs} out, ${targetKind})`, async () => {
            const p = plan({ layers: [6, 11, 7, outputs], activation, output, loss });
            const data = makeData(outputs * 100 + activation.length, 97, 6, outputs, targetKind, loss);
            const options = { batchSize: 10, lr, epochs: 2, threads: 1, seed: 42 };
            const reference = await train(referenceBackend, p, optimizer, data, options);
            const native = await train(nativeBackend, p, optimizer, data, options);
            expect(native.results.map((r) => r.steps)).toEqual([10, 10]);
            expectSameRun(native, reference);
          });
        }
      }
    }
  });

  describe('layer kinds: dropout draws the same masks on both backends', () => {
    for (const activation of HIDDEN_ACTIVATIONS) {
      for (const rate of [0.1, 0.5]) {
        it(`${activation} with dropout ${rate}, 2 epochs of 10 batches`, async () => {
          const p = plan({ layers: [9, 23, 13, 4], activation, dropout: rate });
          const data = makeData(31, 97, 9, 4, 'labels', 'cross-entropy');
          const options = { batchSize: 10, lr: 0.01, epochs: 2, threads: 2, seed: 5 };
          await expectBackendsAgree(nativeBackend, referenceBackend, p, optimizerSettings('adam'), data, options);
        });
      }
    }

    it('an explicit plan: dropout on the inputs, activations of each kind in turn', async () => {
      const p = explicitPlan(
        12,
        [
          { kind: 'dropout', rate: 0.2 },
          { kind: 'dense', units: 17 },
          { kind: 'activation', activation: 'silu' },
          { kind: 'dropout', rate: 0.3 },
          { kind: 'activation', activation: 'tanh' },
          { kind: 'dense', units: 9 },
          { kind: 'activation', activation: 'gelu' },
          { kind: 'activation', activation: 'relu' },
          { kind: 'dense', units: 3 },
          { kind: 'output', activation: 'linear' },
        ],
        undefined,
      );
      const data = makeData(4, 150, 12, 3, 'targets', 'mse');
      const options = { batchSize: 16, lr: 0.01, epochs: 2, threads: 2, seed: 8 };
      await expectBackendsAgree(nativeBackend, referenceBackend, p, optimizerSettings('momentum'), data, options);
    });
  });

  describe('larger shapes, several chunks per batch', () => {
    for (const threads of [1, 2, 3]) {
      it(`37-300-150-10, batch 333 (chunks of 168 rows), ${threads} thread(s)`, async () => {
        const p = plan({ layers: [37, 300, 150, 10], activation: 'leaky-relu' });
        const data = makeData(8, 700, 37, 10, 'labels', 'cross-entropy');
        for (const shuffle of [true, false]) {
          const options = { batchSize: 333, lr: 0.05, epochs: 2, threads, seed: 10, shuffle };
          const reference = await train(referenceBackend, p, optimizerSettings('momentum', { nesterov: true }), data, options);
          const native = await train(nativeBackend, p, optimizerSettings('momentum', { nesterov: true }), data, options);
          expectSameRun(native, reference);
        }
      });
    }

    it('byte inputs, read in order (no shuffle), 2 threads', async () => {
      const p = plan({ layers: [19, 24, 3], activation: 'tanh', output: 'linear' });
      const floats = makeData(3, 120, 19, 3, 'targets', 'mse');
      const bytes = { ...floats, x: Uint8Array.from(floats.x, (v) => Math.min(255, Math.max(0, Math.round(128 + 40 * v)))), xScale: 1 / 64 };
      const options = { batchSize: 16, lr: 0.05, epochs: 2, threads: 2, seed: 5, shuffle: false };
      await expectBackendsAgree(nativeBackend, referenceBackend, p, optimizerSettings('momentum'), bytes, options);
    });
  });

  describe('the same bits on any thread count', () => {
    const cases: [string, Parameters<typeof plan>[0], number][] = [
      ['784-64-10 gelu, dropout 0.1, batch 300', { layers: [784, 64, 10], activation: 'gelu', dropout: 0.1 }, 300],
      ['37-200-41-10 relu, batch 64', { layers: [37, 200, 41, 10] }, 64],
      ['70-129-33-5 silu, batch 2100 (six chunks)', { layers: [70, 129, 33, 5], activation: 'silu' }, 2100],
    ];
    for (const [name, shorthand, batchSize] of cases) {
      it(`${name}: threads 1, 2, 3 and 16 give bit-identical weights and losses`, async () => {
        const p = plan(shorthand);
        const data = makeData(21, 2 * batchSize + 17, p.inputs, p.outputs, 'labels', 'cross-entropy');
        const runs = [];
        for (const threads of [1, 2, 3, 16]) {
          runs.push(await train(nativeBackend, p, optimizerSettings('adam'), data, { batchSize, lr: 0.01, epochs: 2, threads, seed: 77 }));
        }
        for (const run of runs.slice(1)) {
          expect(new Uint32Array(run.params.buffer)).toEqual(new Uint32Array(runs[0].params.buffer));
          expect(new Uint32Array(run.state.moments.buffer)).toEqual(new Uint32Array(runs[0].state.moments.buffer));
          expect(run.results).toEqual(runs[0].results);
        }
      });
    }
  });

  describe('between epochs, the JS arrays hold the truth', () => {
    const data = () => {
      const d = makeData(12, 90, 5, 3, 'labels', 'cross-entropy');
      return { x: d.x as Float32Array, y: d.labels!, n: d.n, features: 5, classes: 3 };
    };
    const fitAndWatch = async (backend: 'js' | 'native', zeroAfterEpoch: number | null) => {
      const { Network } = await import('../src/network.js');
      const net = new Network({ layers: [5, 8, 3], activation: 'gelu', dropout: 0.2, backend, seed: 3 });
      const seen: { step: number; moments: number[] }[] = [];
      await net.fit(data(), {
        epochs: 3,
        batchSize: 16,
        schedule: 'constant',
        onEpochEnd: (log) => {
          seen.push({ step: net.optimizerState!.step, moments: Array.from(net.optimizerState!.moments.subarray(0, 6)) });
          if (log.epoch === zeroAfterEpoch) net.params.fill(0.01);
        },
      });
      return { seen, params: net.params };
    };

    it('onEpochEnd sees the optimizer state of that epoch, as on js', async () => {
      const native = await fitAndWatch('native', null);
      const js = await fitAndWatch('js', null);
      expect(native.seen.map((s) => s.step)).toEqual([6, 12, 18]);
      expect(js.seen.map((s) => s.step)).toEqual([6, 12, 18]);
      native.seen.forEach((s, i) => {
        expect(s.moments.some((m) => m !== 0)).toBe(true);
        expectClose(s.moments, js.seen[i].moments, `moments after epoch ${i + 1}`, { atol: 1e-6, rtol: 1e-3 });
      });
      expectClose(native.params, js.params, 'final params', { atol: 2e-5, rtol: 1e-3 });
    });

    it('params changed in onEpochEnd are what the next epoch trains, as on js', async () => {
      const native = await fitAndWatch('native', 1);
      const js = await fitAndWatch('js', 1);
      const untouched = await fitAndWatch('native', null);
      expectClose(native.params, js.params, 'final params', { atol: 2e-5, rtol: 1e-3 });
      expect(Array.from(native.params)).not.toEqual(Array.from(untouched.params));
    });
  });

  describe('a batch with a NaN or infinite loss', () => {
    for (const threads of [1, 2]) {
      it(`NaN input: stops at that batch without applying it (${threads} thread(s))`, async () => {
        const p = plan({ layers: [4, 6, 3] });
        const data = makeData(5, 60, 4, 3, 'labels', 'cross-entropy');
        data.x[37 * 4 + 2] = NaN;
        const options = { batchSize: 8, lr: 0.1, epochs: 1, threads, seed: 3, shuffle: false };
        const reference = await train(referenceBackend, p, optimizerSettings('momentum'), data, options);
        const native = await train(nativeBackend, p, optimizerSettings('momentum'), data, options);
        expect(native.results[0].failedBatch).toBe(4); // row 37 is in the fifth batch of 8
        expect(native.results[0].steps).toBe(4);
        expect(native.results[0].samples).toBe(32);
        expect(Number.isNaN(native.results[0].failedLoss)).toBe(true);
        expectSameRun(native, reference);
      });
    }

    it('infinite target: failedLoss is Infinity, earlier batches applied', async () => {
      const p = plan({ layers: [4, 5, 2], activation: 'tanh', output: 'linear' });
      const data = makeData(6, 40, 4, 2, 'targets', 'mse');
      data.targets![25 * 2] = Infinity;
      const options = { batchSize: 10, lr: 0.1, epochs: 1, threads: 2, seed: 3, shuffle: false };
      const reference = await train(referenceBackend, p, optimizerSettings('sgd'), data, options);
      const native = await train(nativeBackend, p, optimizerSettings('sgd'), data, options);
      expect(native.results[0]).toMatchObject({ failedBatch: 2, failedLoss: Infinity, steps: 2, samples: 20 });
      expectSameRun(native, reference);
    });
  });

  describe('threads', () => {
    const make = (layers: number[], batchSize: number, threads: number) => {
      const p = plan({ layers });
      const data = makeData(1, batchSize, layers[0], layers[layers.length - 1], 'labels', 'cross-entropy');
      const state = { optimizer: 'sgd', step: 0, moments: new Float32Array(0) };
      return nativeBackend.createTrainer(p, new Float32Array(p.size), state, data, { optimizer: optimizerSettings('sgd'), batchSize, threads, seed: 0 }) as Promise<NativeTrainer>;
    };

    it('0 picks one thread for a small step', async () => {
      const trainer = await make([64, 32, 10], 32, 0);
      expect(trainer.threads).toBe(1);
      trainer.dispose();
    });

    it('0 picks several threads for a big step when the CPUs allow', async () => {
      const trainer = await make([784, 512, 256, 10], 256, 0);
      expect(trainer.threads).toBeGreaterThanOrEqual(Math.min(2, loadNativeAddon().availableCpus()));
      trainer.dispose();
    });

    it('an explicit count is used as given', async () => {
      const trainer = await make([8, 4, 2], 16, 3);
      expect(trainer.threads).toBe(3);
      trainer.dispose();
    });
  });
});

