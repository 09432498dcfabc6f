/**
 * Bad input never crashes the process: every length, shape, label, order
 * index and batch size is re-checked in C++ and becomes a JS Error that
 * names the argument, what was expected and what was received.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable, nativeBackend, type NativeTrainerConfig } from '../src/backend/native.js';
import type { ModelShape, OptimizerSettings, TrainingData } from '../src/backend/types.js';
import { parameterLayout } from '../src/layout.js';
import { ActivationCode, LossCode, OptimizerCode } from '../src/spec.js';
import { nativeOptimizer, optimizerSettings, updateHyper } from './support/optimizer.js';

const SIZES = [4, 5, 3];
const SIZE = parameterLayout(SIZES).size; // 4*5+5 + 5*3+3 = 43
const SHAPE: ModelShape = { sizes: SIZES, activation: 'relu', output: 'softmax', loss: 'cross-entropy' };
const OPTIMIZER: OptimizerSettings = optimizerSettings('momentum');
const CONFIG: NativeTrainerConfig = {
  sizes: SIZES,
  activation: ActivationCode.relu,
  output: ActivationCode.softmax,
  loss: LossCode['cross-entropy'],
  batchSize: 4,
  threads: 1,
  optimizer: nativeOptimizer('momentum'),
};

function data(n = 10): TrainingData {
  return {
    x: new Float32Array(n * 4).map((_, i) => Math.sin(i)),
    xScale: 1,
    n,
    labels: new Int32Array(n).map((_, i) => i % 3),
    targets: null,
  };
}

const identity = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe.runIf(nativeAvailable())('native argument checks', () => {
  const addon = nativeAvailable() ? loadNativeAddon() : (undefined as never);
  const { kernels } = addon ?? ({} as never);

  describe('kernels', () => {
    const f = (n: number) => new Float32Array(n);

    it('a Float32Array shorter than needed', () => {
      expect(() => kernels.denseForward(f(14), f(21), f(35), f(5), 3, 7, 5, 0)).toThrow(
        'denseForward: y must be a Float32Array of at least 15 elements (batch * outputs = 3 * 5), received Float32Array of length 14',
      );
    });

    it('names the short argument, what it needs and what it got', () => {
      expect(() => kernels.denseForward(f(15), f(20), f(35), f(5), 3, 7, 5, 0)).toThrow(
        'denseForward: x must be a Float32Array of at least 21 elements (batch * inputs = 3 * 7), received Float32Array of length 20',
      );
      expect(() => kernels.denseForward(f(15), f(21), f(34), f(5), 3, 7, 5, 0)).toThrow(
        /w must be a Float32Array of at least 35 elements \(inputs \* outputs = 7 \* 5\), received Float32Array of length 34/,
      );
      expect(() => kernels.denseBackward(f(35), f(4), f(21), f(15), f(21), f(35), f(15), 3, 7, 5, 1)).toThrow(
        /denseBackward: db must be a Float32Array of at least 5 elements \(outputs\), received Float32Array of length 4/,
      );
      expect(() => kernels.denseBackward(f(35), f(5), f(20), f(15), f(21), f(35), f(15), 3, 7, 5, 1)).toThrow(
        'denseBackward: dx must be a Float32Array of at least 21 elements (batch * inputs = 3 * 7), received Float32Array of length 20',
      );
      expect(() => kernels.optimizerUpdate(f(10), f(10), f(9), f(10), 10, hyper(OptimizerCode.adam))).toThrow(
        /optimizerUpdate: m must be a Float32Array of at least 10 elements .*received Float32Array of length 9/,
      );
    });

    it('a wrong array type', () => {
      expect(() => kernels.denseForward(new Float64Array(15) as never, f(21), f(35), f(5), 3, 7, 5, 0)).toThrow(
        /denseForward: y must be a Float32Array .*, received Float64Array of length 15/,
      );
      expect(() => kernels.denseForward([1, 2, 3] as never, f(21), f(35), f(5), 3, 7, 5, 0)).toThrow(
        /y must be a Float32Array .*, received an array of length 3/,
      );
      expect(() => kernels.outputLoss(f(6), f(6), new Float32Array(2) as never, null, 2, 3, 5, 0)).toThrow(
        /labels must be an Int32Array of at least 2 elements \(batch\) or null, received Float32Array of length 2/,
      );
    });

    it('a batch size of zero, negative or fractional dimensions', () => {
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 0, 7, 5, 0)).toThrow(
        /denseForward: batch must be an integer in \[1, 2147483647\], received 0/,
      );
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, -7, 5, 0)).toThrow(/inputs must be an integer .*received -7/);
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 2.5, 0)).toThrow(/outputs must be an integer .*received 2.5/);
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), '3' as never, 7, 5, 0)).toThrow(
        /batch must be an integer .*received the string "3"/,
      );
    });

    it('a label out of [0, outputs)', () => {
      expect(() => kernels.outputLoss(f(6), f(6), new Int32Array([0, 3]), null, 2, 3, 5, 0)).toThrow(
        /outputLoss: labels\[1\] = 3 is out of range: labels must be class indices in \[0, 3\)/,
      );
      expect(() => kernels.outputLoss(f(6), f(6), new Int32Array([-1, 0]), null, 2, 3, 5, 0)).toThrow(/labels\[0\] = -1 is out of range/);
      expect(() => kernels.outputLoss(f(2), f(2), new Int32Array([1, 2]), null, 2, 1, 4, 1)).toThrow(
        /labels\[1\] = 2 is out of range: labels must be class indices in \[0, 2\) \(0 or 1 for a single output unit\)/,
      );
    });

    it('unknown codes and missing targets', () => {
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 5, 6)).toThrow(/act must be an activation code .*received 6/);
      expect(() => kernels.denseBackward(f(35), f(5), null, f(15), f(21), f(35), f(15), 3, 7, 5, 5)).toThrow(
        /denseBackward: act must be an element-wise activation code .*softmax has no element-wise derivative.*received 5/,
      );
      expect(() => kernels.outputLoss(f(6), f(6), null, f(6), 2, 3, 5, 0)).toThrow(/labels must be an Int32Array of class indices for the cross-entropy loss/);
      expect(() => kernels.outputLoss(f(6), f(6), null, null, 2, 3, 0, 2)).toThrow(/labels or targets must be given/);
      expect(() => kernels.optimizerUpdate(f(3), f(3), null, null, 3, { ...hyper(OptimizerCode.sgd), kind: 9 })).toThrow(
        /hyper.kind must be an optimizer code .*received 9/,
      );
      expect(() => kernels.optimizerUpdate(f(3), f(3), null, null, 3, { ...hyper(OptimizerCode.sgd), lr: NaN })).toThrow(
        /hyper.lr must be a finite number, received NaN/,
      );
    });

    it('outputs that alias inputs', () => {
      const buffer = new Float32Array(64);
      expect(() => kernels.denseForward(buffer.subarray(0, 15), buffer.subarray(10, 31), f(35), f(5), 3, 7, 5, 0)).toThrow(
        /y must not share memory with x/,
      );
      const z = f(6);
      expect(() => kernels.outputLoss(z, z, new Int32Array([0, 1]), null, 2, 3, 5, 0)).toThrow(/dz must not share memory with z/);
    });

    it('sgemm checks its matrices', () => {
      expect(() => kernels.sgemm(f(6), f(6), f(5), 2, 3, 3, 2)).toThrow(
        'sgemm: b must be a Float32Array of at least 9 elements (k * n = 3 * 3), received Float32Array of length 5',
      );
      expect(() => kernels.sgemm(f(6), f(6), f(9), 2, 3, 3, 0)).toThrow(/sgemm: threads must be an integer in \[1, 1024\], received 0/);
    });

    it('too few arguments', () => {
      expect(() => (kernels.denseForward as (...a: unknown[]) => void)(f(15), f(21))).toThrow(
        /denseForward: expected 8 arguments \(y, x, w, b, batch, inputs, outputs, act\), received 2/,
      );
    });
  });

  describe('trainer', () => {
    const make = (overrides: { params?: Float32Array; data?: Partial<TrainingData>; config?: Partial<NativeTrainerConfig> } = {}) =>
      new addon.Trainer(overrides.params ?? new Float32Array(SIZE), { ...data(), ...overrides.data } as TrainingData, {
        ...CONFIG,
        ...overrides.config,
      });

    it('params of the wrong length', () => {
      expect(() => make({ params: new Float32Array(42) })).toThrow(
        'Trainer: params must be a Float32Array of exactly 43 elements (the parameter layout of [4, 5, 3]), received Float32Array of length 42',
      );
      expect(() => make({ params: new Float32Array(44) })).toThrow(/exactly 43 elements/);
    });

    it('data.x shorter than n rows', () => {
      expect(() => make({ data: { x: new Float32Array(39) } })).toThrow(
        'Trainer: data.x must be a Float32Array of at least 40 elements (n * inputs = 10 * 4), received Float32Array of length 39',
      );
    });

    it('a label out of range', () => {
      const labels = new Int32Array(10);
      labels[7] = 3;
      expect(() => make({ data: { labels } })).toThrow(
        /Trainer: data.labels\[7\] = 3 is out of range: labels must be class indices in \[0, 3\)/,
      );
    });

    it('labels shorter than n, targets of the wrong shape', () => {
      expect(() => make({ data: { labels: new Int32Array(9) } })).toThrow(
        'Trainer: data.labels must be an Int32Array of at least 10 elements (n), received Int32Array of length 9',
      );
      expect(() => make({ data: { targets: new Float32Array(29) }, config: { output: 0, loss: 2 } })).toThrow(
        /data.targets must be a Float32Array of at least 30 elements \(n \* outputs = 10 \* 3\)/,
      );
    });

    it('a batch size of zero', () => {
      expect(() => make({ config: { batchSize: 0 } })).toThrow(/Trainer: config.batchSize must be an integer in \[1, 16777216\], received 0/);
    });

    it('an output that does not fit the loss, an unknown code, bad sizes', () => {
      expect(() => make({ config: { output: ActivationCode.sigmoid } })).toThrow(
        /config.output 4 \(sigmoid\) cannot be used with config.loss 0 \(cross-entropy\)/,
      );
      expect(() => make({ config: { activation: ActivationCode.softmax } })).toThrow(/config.activation must be an element-wise activation code/);
      expect(() => make({ config: { sizes: [4] } })).toThrow(/config.sizes must be an array of at least two positive integers, received an array of length 1/);
      expect(() => make({ config: { sizes: [4, 0, 3] } })).toThrow(/config.sizes\[1\] must be an integer in \[1, 16777216\], received 0/);
      expect(() => make({ config: { sizes: [1 << 20, 1 << 20, 3] } })).toThrow(/needs .* parameters, more than/);
    });

    it('cross-entropy without labels', () => {
      expect(() => make({ data: { labels: null, targets: new Float32Array(30) } })).toThrow(
        /data.labels must be an Int32Array of class indices for the cross-entropy loss, received null/,
      );
    });

    it('an order index >= n', async () => {
      const trainer = make();
      const order = identity(10);
      order[6] = 10;
      expect(() => trainer.trainEpoch(order, 4, 0.1)).toThrow(
        'trainEpoch: order[6] = 10 is out of range: it must be a row index below data.n = 10',
      );
      trainer.dispose();
    });

    it('an epoch batch size of zero or above the trainer batch size', () => {
      const trainer = make();
      expect(() => trainer.trainEpoch(identity(10), 0, 0.1)).toThrow(/trainEpoch: batchSize must be an integer in \[1, 4\], received 0/);
      expect(() => trainer.trainEpoch(identity(10), 5, 0.1)).toThrow(/batchSize must be an integer in \[1, 4\], received 5/);
      expect(() => trainer.trainEpoch(identity(10), 4, Infinity)).toThrow(/lr must be a finite number, received Infinity/);
      expect(() => trainer.trainEpoch([0, 1] as never, 4, 0.1)).toThrow(/order must be a Uint32Array, received an array of length 2/);
      trainer.dispose();
    });

    it('a label changed to out of range after the trainer was made', () => {
      const d = data();
      const trainer = new addon.Trainer(new Float32Array(SIZE), d, CONFIG);
      d.labels![2] = 99;
      expect(() => trainer.trainEpoch(identity(10), 4, 0.1)).toThrow(/trainEpoch: data.labels\[2\] = 99 is out of range/);
      trainer.dispose();
    });

    it('a detached params buffer', () => {
      const params = new Float32Array(SIZE);
      const trainer = make({ params });
      structuredClone(params.buffer, { transfer: [params.buffer] });
      expect(() => trainer.trainEpoch(identity(10), 4, 0.1)).toThrow(/trainEpoch: params must be a Float32Array, received one whose buffer is detached/);
      trainer.dispose();
    });

    it('use after dispose', () => {
      const trainer = make();
      trainer.dispose();
      trainer.dispose(); // idempotent
      expect(() => trainer.trainEpoch(identity(10), 4, 0.1)).toThrow(/trainEpoch: this trainer has been disposed/);
    });
  });

  describe('predict', () => {
    const shape = { sizes: SIZES, activation: ActivationCode.relu, output: ActivationCode.softmax };
    it('checks params, x and out', () => {
      expect(() => addon.predict(new Float32Array(SIZE), shape, new Float32Array(7), 2, new Float32Array(6))).toThrow(
        'predict: x must be a Float32Array of at least 8 elements (n * inputs = 2 * 4), received Float32Array of length 7',
      );
      expect(() => addon.predict(new Float32Array(SIZE), shape, new Float32Array(8), 2, new Float32Array(5))).toThrow(
        /predict: out must be a Float32Array of at least 6 elements \(n \* outputs = 2 \* 3\)/,
      );
      expect(() => addon.predict(new Float32Array(3), shape, new Float32Array(8), 2, new Float32Array(6))).toThrow(/params must be a Float32Array of exactly 43/);
    });
  });

  describe('through the backend', () => {
    it('errors carry a JS stack that points at the caller', () => {
      let error: unknown;
      try {
        nativeBackend.createTrainer(new Float32Array(3), data(), { shape: SHAPE, optimizer: OPTIMIZER, batchSize: 4, threads: 0 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/params must be a Float32Array of exactly 43 elements/);
      expect((error as Error).stack).toMatch(/native-safety\.test\.ts/);
    });

    it('trainEpoch rejects with the native message and a JS stack', async () => {
      const trainer = nativeBackend.createTrainer(new Float32Array(SIZE), data(), { shape: SHAPE, optimizer: OPTIMIZER, batchSize: 4, threads: 0 });
      const order = identity(10);
      order[9] = 1234;
      const error = await trainer.trainEpoch({ order, batchSize: 4, lr: 0.1 }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toBe('trainEpoch: order[9] = 1234 is out of range: it must be a row index below data.n = 10');
      expect(error?.stack).toMatch(/native-safety\.test\.ts/);
      trainer.dispose();
    });

    it('unknown names are refused before the addon sees them', () => {
      expect(() =>
        nativeBackend.createTrainer(new Float32Array(SIZE), data(), {
          shape: { ...SHAPE, activation: 'swish' as never },
          optimizer: OPTIMIZER,
          batchSize: 4,
          threads: 0,
        }),
      ).toThrow(/shape.activation must be one of "linear", "relu", .*received "swish"/);
    });
  });

  it('the process survives all of the above and still trains', async () => {
    const params = new Float32Array(SIZE).map((_, i) => Math.cos(i) * 0.3);
    const trainer = nativeBackend.createTrainer(params, data(), { shape: SHAPE, optimizer: OPTIMIZER, batchSize: 4, threads: 2 });
    const result = await trainer.trainEpoch({ order: identity(10), batchSize: 4, lr: 0.1 });
    expect(result).toMatchObject({ steps: 3, samples: 10, failedBatch: -1, aborted: false });
    expect(Number.isFinite(result.lossSum)).toBe(true);
    trainer.dispose();
  });
});

function hyper(kind: number) {
  return updateHyper({ kind });
}
