/**
 * The native trainer against the reference trainer: 20-step trajectories
 * (two epochs of ten batches, the last one short) for every optimizer x
 * hidden activation x output / loss pair, on one thread and split over
 * several; determinism; the failed-batch rule; the thread choice.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable, nativeBackend, NativeTrainer } from '../src/backend/native.js';
import { referenceBackend } from '../src/backend/reference.js';
import type { Backend, EpochResult, ModelShape, OptimizerSettings, TrainingData } from '../src/backend/types.js';
import { initializeParameters, parameterLayout } from '../src/layout.js';
import { Rng, shuffledIndices } from '../src/rng.js';
import { HIDDEN_ACTIVATIONS, type LossName, type OptimizerName, type OutputActivation } from '../src/spec.js';
import { expectClose, type Tolerance } from './support/compare.js';
import { optimizerSettings } from './support/optimizer.js';

const OPTIMIZERS: [string, OptimizerName, Partial<OptimizerSettings>, number][] = [
  ['sgd', 'sgd', {}, 0.1],
  ['momentum + weight decay', 'momentum', { weightDecay: 0.01 }, 0.05],
  ['nesterov', 'momentum', { nesterov: true }, 0.05],
  ['adam', 'adam', {}, 0.01],
  ['adamw', 'adamw', { weightDecay: 0.05 }, 0.01],
];

/** Output / loss pairs with the targets they train on. */
const HEADS: [OutputActivation, LossName, outputs: number, kind: 'labels' | 'targets'][] = [
  ['softmax', 'cross-entropy', 4, 'labels'],
  ['sigmoid', 'binary-cross-entropy', 1, 'labels'],
  ['sigmoid', 'binary-cross-entropy', 3, 'targets'],
  ['linear', 'mse', 3, 'targets'],
  ['tanh', 'mse', 2, 'targets'],
  ['sigmoid', 'mse', 3, 'labels'],
  ['softmax', 'mse', 4, 'labels'],
];

function makeData(seed: number, n: number, features: number, outputs: number, kind: 'labels' | 'targets', loss: LossName): TrainingData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * features).map(() => rng.normal());
  const classes = outputs === 1 ? 2 : outputs;
  if (kind === 'labels') return { x, xScale: 1, n, labels: new Int32Array(n).map(() => rng.integer(classes)), targets: null };
  const targets = new Float32Array(n * outputs).map(() => (loss === 'mse' ? rng.normal() * 0.5 : rng.uniform() < 0.5 ? 0 : 1));
  return { x, xScale: 1, n, labels: null, targets };
}

interface Run {
  params: Float32Array;
  results: EpochResult[];
}

async function train(
  backend: Backend,
  shape: ModelShape,
  optimizer: OptimizerSettings,
  data: TrainingData,
  options: { batchSize: number; lr: number; epochs: number; threads: number; seed: number; shuffle?: boolean },
): Promise<Run> {
  const layout = parameterLayout(shape.sizes);
  const params = new Float32Array(layout.size);
  initializeParameters(params, layout, shape.activation === 'relu' || shape.activation === 'leaky-relu' ? 'he' : 'glorot', options.seed);
  const trainer = backend.createTrainer(params, data, {
    shape,
    optimizer,
    batchSize: options.batchSize,
    threads: options.threads,
  });
  const rng = new Rng(options.seed + 1);
  const results: EpochResult[] = [];
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = options.shuffle === false ? Uint32Array.from({ length: data.n }, (_, i) => i) : shuffledIndices(data.n, rng);
      results.push(await trainer.trainEpoch({ order, batchSize: options.batchSize, lr: options.lr }));
    }
  } finally {
    trainer.dispose();
  }
  return { params, results };
}

function expectSameRun(native: Run, reference: Run, tol: Tolerance): void {
  expect(native.results.length).toBe(reference.results.length);
  native.results.forEach((got, epoch) => {
    const want = reference.results[epoch];
    expect({ ...got, lossSum: 0, failedLoss: 0 }, `epoch ${epoch + 1}`).toEqual({ ...want, lossSum: 0, failedLoss: 0 });
    expect(Math.abs(got.lossSum - want.lossSum), `epoch ${epoch + 1} lossSum ${got.lossSum} vs ${want.lossSum}`).toBeLessThanOrEqual(
      1e-5 + 1e-4 * Math.abs(want.lossSum),
    );
  });
  expectClose(native.params, reference.params, 'final parameters', tol);
}

const TRAJECTORY_TOL: Tolerance = { atol: 2e-5, rtol: 1e-3 };

describe.runIf(nativeAvailable())('native trainer vs reference trainer', () => {
  describe('20-step trajectories', () => {
    for (const [optName, kind, overrides, lr] of OPTIMIZERS) {
      for (const activation of HIDDEN_ACTIVATIONS) {
        for (const [output, loss, outputs, targetKind] of HEADS) {
          for (const threads of [1, 2]) {
            it(`${optName}, ${activation}, ${output} + ${loss} (${outputs} out, ${targetKind}), ${threads} thread(s)`, async () => {
              const shape: ModelShape = { sizes: [6, 11, 7, outputs], activation, output, loss };
              const data = makeData(outputs * 100 + activation.length, 97, 6, outputs, targetKind, loss);
              const optimizer = optimizerSettings(kind, overrides);
              const options = { batchSize: 10, lr, epochs: 2, threads, seed: 42 };
              const reference = await train(referenceBackend, shape, optimizer, data, options);
              const native = await train(nativeBackend, shape, optimizer, data, options);
              expect(native.results.map((r) => r.steps)).toEqual([10, 10]);
              expectSameRun(native, reference, TRAJECTORY_TOL);
            });
          }
        }
      }
    }
  });

  describe('larger shapes split over threads', () => {
    for (const threads of [1, 2, 3]) {
      for (const [optName, kind, overrides, lr] of [OPTIMIZERS[1], OPTIMIZERS[4]]) {
        it(`37-64-41-10, batch 50, ${optName}, ${threads} thread(s)`, async () => {
          const shape: ModelShape = { sizes: [37, 64, 41, 10], activation: 'relu', output: 'softmax', loss: 'cross-entropy' };
          const data = makeData(7, 333, 37, 10, 'labels', 'cross-entropy');
          const options = { batchSize: 50, lr, epochs: 3, threads, seed: 9 };
          const reference = await train(referenceBackend, shape, optimizerSettings(kind, overrides), data, options);
          const native = await train(nativeBackend, shape, optimizerSettings(kind, overrides), data, options);
          expectSameRun(native, reference, TRAJECTORY_TOL);
        });
      }
    }

    for (const threads of [2, 3]) {
      it(`37-300-150-10 (wide layers: forward split by columns), ${threads} threads`, async () => {
        const shape: ModelShape = { sizes: [37, 300, 150, 10], activation: 'leaky-relu', output: 'softmax', loss: 'cross-entropy' };
        const data = makeData(8, 200, 37, 10, 'labels', 'cross-entropy');
        for (const shuffle of [true, false]) {
          const options = { batchSize: 40, lr: 0.05, epochs: 2, threads, seed: 10, shuffle };
          const reference = await train(referenceBackend, shape, optimizerSettings('momentum', { nesterov: true }), data, options);
          const native = await train(nativeBackend, shape, optimizerSettings('momentum', { nesterov: true }), data, options);
          expectSameRun(native, reference, TRAJECTORY_TOL);
        }
      });
    }

    it('reads in-order batches in place (no shuffle), 2 threads', async () => {
      const shape: ModelShape = { sizes: [19, 24, 3], activation: 'tanh', output: 'linear', loss: 'mse' };
      const data = makeData(3, 120, 19, 3, 'targets', 'mse');
      const options = { batchSize: 16, lr: 0.05, epochs: 2, threads: 2, seed: 5, shuffle: false };
      const reference = await train(referenceBackend, shape, optimizerSettings('momentum', {}), data, options);
      const native = await train(nativeBackend, shape, optimizerSettings('momentum', {}), data, options);
      expectSameRun(native, reference, TRAJECTORY_TOL);
    });

    it('a batch larger than the data and an order that repeats rows', async () => {
      const shape: ModelShape = { sizes: [5, 8, 3], activation: 'relu', output: 'softmax', loss: 'cross-entropy' };
      const data = makeData(11, 30, 5, 3, 'labels', 'cross-entropy');
      const order = Uint32Array.from({ length: 150 }, (_, i) => (i * 7) % 30);
      const run = async (backend: Backend, threads: number) => {
        const layout = parameterLayout(shape.sizes);
        const params = new Float32Array(layout.size);
        initializeParameters(params, layout, 'he', 1);
        const trainer = backend.createTrainer(params, data, { shape, optimizer: optimizerSettings('adam', {}), batchSize: 64, threads });
        const result = await trainer.trainEpoch({ order, batchSize: 64, lr: 0.01 });
        trainer.dispose();
        return { params, results: [result] };
      };
      const reference = await run(referenceBackend, 1);
      for (const threads of [1, 2]) expectSameRun(await run(nativeBackend, threads), reference, TRAJECTORY_TOL);
    });
  });

  describe('determinism', () => {
    for (const threads of [1, 2, 3]) {
      it(`same seed, ${threads} thread(s), twice: bit-identical weights`, async () => {
        const shape: ModelShape = { sizes: [37, 200, 41, 10], activation: 'relu', output: 'softmax', loss: 'cross-entropy' };
        const data = makeData(21, 400, 37, 10, 'labels', 'cross-entropy');
        const options = { batchSize: 64, lr: 0.01, epochs: 2, threads, seed: 77 };
        const first = await train(nativeBackend, shape, optimizerSettings('adam', {}), data, options);
        const second = await train(nativeBackend, shape, optimizerSettings('adam', {}), data, options);
        expect(new Uint32Array(second.params.buffer)).toEqual(new Uint32Array(first.params.buffer));
        expect(second.results).toEqual(first.results);
      });
    }
  });

  describe('a batch with a NaN or infinite loss', () => {
    for (const threads of [1, 2]) {
      it(`NaN input: stops at that batch without applying it (${threads} thread(s))`, async () => {
        const shape: ModelShape = { sizes: [4, 6, 3], activation: 'relu', output: 'softmax', loss: 'cross-entropy' };
        const data = makeData(5, 60, 4, 3, 'labels', 'cross-entropy');
        data.x[37 * 4 + 2] = NaN;
        const options = { batchSize: 8, lr: 0.1, epochs: 1, threads, seed: 3, shuffle: false };
        const reference = await train(referenceBackend, shape, optimizerSettings('momentum', {}), data, options);
        const native = await train(nativeBackend, shape, optimizerSettings('momentum', {}), data, options);
        expect(native.results[0].failedBatch).toBe(4); // row 37 is in the fifth batch of 8
        expect(native.results[0].steps).toBe(4);
        expect(native.results[0].samples).toBe(32);
        expect(Number.isNaN(native.results[0].failedLoss)).toBe(true);
        expectSameRun(native, reference, TRAJECTORY_TOL);
      });
    }

    it('infinite target: failedLoss is Infinity, earlier batches applied', async () => {
      const shape: ModelShape = { sizes: [4, 5, 2], activation: 'tanh', output: 'linear', loss: 'mse' };
      const data = makeData(6, 40, 4, 2, 'targets', 'mse');
      data.targets![25 * 2] = Infinity;
      const options = { batchSize: 10, lr: 0.1, epochs: 1, threads: 2, seed: 3, shuffle: false };
      const reference = await train(referenceBackend, shape, optimizerSettings('sgd', {}), data, options);
      const native = await train(nativeBackend, shape, optimizerSettings('sgd', {}), data, options);
      expect(native.results[0]).toMatchObject({ failedBatch: 2, failedLoss: Infinity, steps: 2, samples: 20 });
      expectSameRun(native, reference, TRAJECTORY_TOL);
    });
  });

  describe('threads', () => {
    const optimizer = optimizerSettings('sgd', {});
    const make = (sizes: number[], batchSize: number, threads: number) => {
      const layout = parameterLayout(sizes);
      const data = makeData(1, batchSize, sizes[0], sizes[sizes.length - 1], 'labels', 'cross-entropy');
      const shape: ModelShape = { sizes, activation: 'relu', output: 'softmax', loss: 'cross-entropy' };
      return nativeBackend.createTrainer(new Float32Array(layout.size), data, { shape, optimizer, batchSize, threads }) as NativeTrainer;
    };

    it('0 picks one thread for a small step', () => {
      const trainer = make([64, 32, 10], 32, 0);
      expect(trainer.threads).toBe(1);
      trainer.dispose();
    });

    it('0 picks several threads for a big step when the CPUs allow', () => {
      const trainer = make([784, 512, 256, 10], 256, 0);
      expect(trainer.threads).toBe(Math.min(loadNativeAddon().availableCpus(), 64) >= 2 ? Math.min(loadNativeAddon().availableCpus(), trainer.threads) : 1);
      expect(trainer.threads).toBeGreaterThanOrEqual(Math.min(2, loadNativeAddon().availableCpus()));
      trainer.dispose();
    });

    it('an explicit count is used as given', () => {
      const trainer = make([8, 4, 2], 16, 3);
      expect(trainer.threads).toBe(3);
      trainer.dispose();
    });
  });
});
