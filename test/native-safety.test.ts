/**
 * Bad input never crashes the process: every length, plan field, label,
 * order index and batch size is re-checked in C++ and becomes a JS Error
 * that names the argument, what was expected and what was received. And
 * the memory a worker thread reads is the trainer's own: JS may transfer,
 * free or rewrite its arrays during an epoch without harm.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable, nativeBackend, type NativeTrainerConfig } from '../src/backend/native.js';
import type { OptimizerState, TrainingData } from '../src/backend/types.js';
import { initializeParameters, shorthandPlan } from '../src/build-plan.js';
import type { Plan } from '../src/plan.js';
import { Rng } from '../src/rng.js';
import { optimizerSettings, updateHyper } from './support/optimizer.js';
import { ready } from './support/native-trainer.js';

const PLAN: Plan = shorthandPlan({ layers: [4, 5, 3] });
const SIZE = PLAN.size; // 4*5+5 + 5*3+3 = 43
const CONFIG: NativeTrainerConfig = { batchSize: 4, threads: 1, seed: 0, step: 0, optimizer: optimizerSettings('momentum') };

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
const f = (n: number) => new Float32Array(n);
const state = (): OptimizerState => ({ optimizer: 'momentum', step: 0, moments: f(SIZE) });

describe.runIf(nativeAvailable())('native argument checks', () => {
  const addon = nativeAvailable() ? loadNativeAddon() : (undefined as never);
  const { kernels } = addon ?? ({} as never);

  describe('kernels', () => {
    it('a Float32Array shorter than needed names the argument, what it needs and what it got', () => {
      expect(() => kernels.denseForward(f(14), f(21), f(35), f(5), 3, 7, 5, 'relu')).toThrow(
        'denseForward: y must be a Float32Array of at least 15 elements (batch * outputs = 3 * 5), received Float32Array of length 14',
      );
      expect(() => kernels.denseForward(f(15), f(20), f(35), f(5), 3, 7, 5, 'relu')).toThrow(
        'denseForward: x must be a Float32Array of at least 21 elements (batch * inputs = 3 * 7), received Float32Array of length 20',
      );
      expect(() => kernels.denseBackward(f(35), f(4), f(21), f(15), f(21), f(35), f(15), 3, 7, 5, 'relu')).toThrow(
        /denseBackward: db must be a Float32Array of at least 5 elements \(outputs\), received Float32Array of length 4/,
      );
      expect(() => kernels.optimizerUpdate(f(10), f(10), f(19), 10, updateHyper({ kind: 'adam' }))).toThrow(
        "optimizerUpdate: moments must be a Float32Array of at least 20 elements (slots * count = 2 * 10 for 'adam'), received Float32Array of length 19",
      );
    });

    it('a wrong array type', () => {
      expect(() => kernels.denseForward(new Float64Array(15) as never, f(21), f(35), f(5), 3, 7, 5, 'relu')).toThrow(
        /denseForward: y must be a Float32Array .*, received Float64Array of length 15/,
      );
      expect(() => kernels.outputLoss(f(6), f(6), new Float32Array(2) as never, null, 2, 3, 'softmax', 'cross-entropy')).toThrow(
        /labels must be an Int32Array of at least 2 elements \(batch\) or null, received Float32Array of length 2/,
      );
    });

    it('zero, negative or fractional dimensions', () => {
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 0, 7, 5, 'relu')).toThrow(
        /denseForward: batch must be an integer in \[1, 2147483647\], received 0/,
      );
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, -7, 5, 'relu')).toThrow(/inputs must be an integer .*received -7/);
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 2.5, 'relu')).toThrow(/outputs must be an integer .*received 2.5/);
    });

    it('a label out of range', () => {
      expect(() => kernels.outputLoss(f(6), f(6), new Int32Array([0, 3]), null, 2, 3, 'softmax', 'cross-entropy')).toThrow(
        /outputLoss: labels\[1\] = 3 is out of range: labels must be class indices in \[0, 3\)/,
      );
    });

    it('unknown names, ops in the wrong place, missing targets', () => {
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 5, 'swish')).toThrow(
        /denseForward: act must be an activation \('linear', 'relu', .*\), received the string "swish"/,
      );
      expect(() => kernels.denseBackward(f(35), f(5), null, f(15), f(21), f(35), f(15), 3, 7, 5, 'gelu')).toThrow(
        /denseBackward: act must be an activation whose derivative comes from its output .*received the string "gelu": its derivative needs the input z, use activationBackward/,
      );
      expect(() => kernels.activationForward(f(6), f(6), 6, 'softmax')).toThrow(/activationForward: act must be an element-wise activation/);
      expect(() => kernels.outputLoss(f(6), f(6), new Int32Array(2), null, 2, 3, 'tanh', 'cross-entropy')).toThrow(
        /outputLoss: loss 'cross-entropy' cannot follow the output activation 'tanh': it takes 'softmax'/,
      );
      expect(() => kernels.outputLoss(f(6), f(6), null, null, 2, 3, 'linear', 'mse')).toThrow(/labels or targets must be given/);
      expect(() => kernels.optimizerUpdate(f(3), f(3), null, 3, updateHyper({ kind: 'rmsprop' }))).toThrow(
        /hyper.kind must be an optimizer \('sgd', 'momentum', 'adam' or 'adamw'\), received the string "rmsprop"/,
      );
      expect(() => kernels.optimizerUpdate(f(3), f(3), null, 3, updateHyper({ lr: NaN }))).toThrow(/hyper.lr must be a finite number, received NaN/);
      expect(() => kernels.dropoutForward(f(6), f(6), 2, 3, 1, 0, 1, 0, 0)).toThrow(/dropoutForward: rate must be a number in \[0, 1\), received 1/);
    });

    it('outputs that alias inputs', () => {
      const buffer = new Float32Array(64);
      expect(() => kernels.denseForward(buffer.subarray(0, 15), buffer.subarray(10, 31), f(35), f(5), 3, 7, 5, 'relu')).toThrow(
        /y must not share memory with x/,
      );
    });

    it('too few arguments', () => {
      expect(() => (kernels.denseForward as (...a: unknown[]) => void)(f(15), f(21))).toThrow(
        /denseForward: expected 8 arguments \(y, x, w, b, batch, inputs, outputs, act\), received 2/,
      );
    });
  });

  describe('trainer', () => {
    const make = (o: { params?: Float32Array; moments?: Float32Array; data?: Partial<TrainingData>; config?: Partial<NativeTrainerConfig>; plan?: unknown } = {}) =>
      new addon.Trainer((o.plan ?? PLAN) as Plan, o.params ?? f(SIZE), o.moments ?? f(SIZE), { ...data(), ...o.data } as TrainingData, {
        ...CONFIG,
        ...o.config,
      });

    it('params and moments of the wrong length', () => {
      expect(() => make({ params: f(42) })).toThrow(
        'Trainer: params must be a Float32Array of exactly 43 elements (plan.size), received Float32Array of length 42',
      );
      expect(() => make({ moments: f(42) })).toThrow(
        "Trainer: moments must be a Float32Array of exactly 43 elements (slots * plan.size = 1 * 43 for 'momentum'), received Float32Array of length 42",
      );
    });

    it('data.x shorter than n rows, labels shorter than n, a label out of range', () => {
      expect(() => make({ data: { x: f(39) } })).toThrow(
        'Trainer: data.x must be a Float32Array of at least 40 elements (n * inputs = 10 * 4), received Float32Array of length 39',
      );
      expect(() => make({ data: { labels: new Int32Array(9) } })).toThrow(
        'Trainer: data.labels must be an Int32Array of at least 10 elements (n), received Int32Array of length 9',
      );
    });

    it('a label out of range is named by its row when the rows are loaded', async () => {
      const labels = new Int32Array(10);
      labels[7] = 3;
      const trainer = make({ data: { labels } });
      await trainer.prepare();
      expect(() => trainer.loadRows(10)).toThrow(/loadRows: data.labels\[7\] = 3 is out of range: labels must be class indices in \[0, 3\)/);
      trainer.dispose();
    });

    it('nothing is loaded or trained before prepare resolves; a trainer disposed while preparing frees itself', async () => {
      const trainer = make();
      expect(() => trainer.loadRows(10)).toThrow('loadRows: this trainer is not prepared: await prepare() first');
      expect(() => trainer.trainEpoch(identity(10), 4, 0.1, 1)).toThrow('trainEpoch: this trainer is not prepared: await prepare() first');
      const preparing = trainer.prepare();
      expect(() => trainer.prepare()).toThrow('prepare: this trainer is already prepared (or being prepared)');
      trainer.dispose();
      await expect(preparing).rejects.toThrow('prepare: dispose() was called on a trainer disposed before it was ready');
      expect(trainer.disposed).toBe(true);
      expect(addon.threadLeases().leases).toBe(0);
    });

    it('params transferred while the trainer is prepared are refused by name', async () => {
      const params = f(SIZE);
      const trainer = make({ params });
      const preparing = trainer.prepare();
      structuredClone(params.buffer, { transfer: [params.buffer] });
      await expect(preparing).rejects.toThrow('prepare: params was detached (its buffer transferred) while the trainer held it');
      trainer.dispose();
    });

    it('bad config values', () => {
      expect(() => make({ config: { batchSize: 0 } })).toThrow(/Trainer: config.batchSize must be an integer in \[1, 16777216\], received 0/);
      expect(() => make({ config: { optimizer: optimizerSettings('rmsprop' as never) } })).toThrow(/config.optimizer.kind must be an optimizer/);
      expect(() => make({ data: { labels: null, targets: f(30) } })).toThrow(
        /data.labels must be an Int32Array of class indices for the cross-entropy loss, received null/,
      );
    });

    it('a plan it cannot run names the layer and field', () => {
      const layers = PLAN.layers;
      expect(() => make({ plan: { ...PLAN, layers: [{ kind: 'conv' }, ...layers.slice(1)] } })).toThrow(
        /Trainer: plan.layers\[0\].kind must be a layer kind \('dense', 'activation', 'dropout' or 'output'\), received the string "conv"/,
      );
      expect(() => make({ plan: { ...PLAN, layers: layers.map((l) => (l.kind === 'activation' ? { ...l, activation: 'softmax' } : l)) } })).toThrow(
        /plan.layers\[1\].activation must be a hidden activation .*received the string "softmax"/,
      );
      expect(() => make({ plan: { ...PLAN, layers: [layers[0], { kind: 'dropout', rate: 1 }, ...layers.slice(1)] } })).toThrow(
        /plan.layers\[1\].rate must be a number in \[0, 1\), received 1/,
      );
      expect(() => make({ plan: { ...PLAN, layers: layers.slice(0, -1) } })).toThrow(/plan.layers must end in an output layer, but plan.layers\[2\].kind is 'dense'/);
      expect(() => make({ plan: { ...PLAN, layers: [{ ...layers[0], weightOffset: 40 }, ...layers.slice(1)] } })).toThrow(
        /plan.layers\[0\].weightOffset 40 \+ inputs \* units \(4 \* 5\) must be at most plan.size 43/,
      );
    });

    it('an order index >= n, a batch above the trainer batch size, epoch 0', async () => {
      const trainer = await ready(make(), 10);
      const order = identity(10);
      order[6] = 10;
      expect(() => trainer.trainEpoch(order, 4, 0.1, 1)).toThrow('trainEpoch: order[6] = 10 is out of range: it must be a row index below data.n = 10');
      expect(() => trainer.trainEpoch(identity(10), 5, 0.1, 1)).toThrow(/trainEpoch: batchSize must be an integer in \[1, 4\], received 5/);
      expect(() => trainer.trainEpoch(identity(10), 4, Infinity, 1)).toThrow(/lr must be a finite number, received Infinity/);
      expect(() => trainer.trainEpoch(identity(10), 4, 0.1, 0)).toThrow(/trainEpoch: epoch must be an integer in \[1, 4294967295\], received 0/);
      expect(() => trainer.trainEpoch([0, 1] as never, 4, 0.1, 1)).toThrow(/order must be a Uint32Array, received an array of length 2/);
      trainer.dispose();
    });

    it('use after dispose', () => {
      const trainer = make();
      trainer.dispose();
      trainer.dispose(); // idempotent
      expect(() => trainer.trainEpoch(identity(10), 4, 0.1, 1)).toThrow(/trainEpoch: this trainer has been disposed/);
    });
  });

  describe('memory a worker reads is the trainer’s own', () => {
    const BIG = shorthandPlan({ layers: [64, 256, 10] });
    const bigData = (n: number): TrainingData => {
      const rng = new Rng(3);
      return { x: new Float32Array(n * 64).map(() => rng.normal()), xScale: 1, n, labels: new Int32Array(n).map(() => rng.integer(10)), targets: null };
    };
    const bigParams = () => {
      const params = f(BIG.size);
      initializeParameters(params, BIG, 1);
      return params;
    };
    const make = (params: Float32Array, d: TrainingData) =>
      ready(new addon.Trainer(BIG, params, f(BIG.size), d, { ...CONFIG, batchSize: 32, threads: 2 }), d.n);
    const longOrder = (n: number, length: number) => Uint32Array.from({ length }, (_, i) => (i * 7919) % n);

    it('x, labels and order transferred away and overwritten mid-epoch: the epoch trains on its copies, as if untouched', async () => {
      const d = bigData(2000);
      const order = longOrder(2000, 32 * 400);
      const expected = bigParams();
      const untouched = await make(expected, bigData(2000));
      await untouched.trainEpoch(order.slice(), 32, 0.01, 1);
      untouched.dispose();

      const params = bigParams();
      const trainer = await make(params, d);
      const running = trainer.trainEpoch(order, 32, 0.01, 1);
      // Detach every array JS handed over, then fill new memory (likely the freed pages) with garbage.
      structuredClone(d.x.buffer, { transfer: [d.x.buffer] });
      structuredClone(d.labels!.buffer, { transfer: [d.labels!.buffer] });
      structuredClone(order.buffer, { transfer: [order.buffer] });
      const garbage = Array.from({ length: 20 }, () => new Int32Array(1 << 16).fill(0x7fffffff));
      const result = await running;
      expect(garbage.length).toBe(20);
      expect(result).toMatchObject({ steps: 400, failedBatch: -1 });
      expect(new Uint32Array(params.buffer)).toEqual(new Uint32Array(expected.buffer));
      trainer.dispose();
    });

    it('labels changed to out-of-range values after the trainer was made are never read', async () => {
      const d = bigData(500);
      const params = bigParams();
      const trainer = await make(params, d);
      d.labels!.fill(1_000_000);
      const result = await trainer.trainEpoch(longOrder(500, 32 * 50), 32, 0.01, 1);
      expect(result).toMatchObject({ steps: 50, failedBatch: -1 });
      expect(Number.isFinite(result.lossSum)).toBe(true);
      trainer.dispose();
    });

    it('params transferred away mid-epoch: the epoch ends with a clear error, the process lives on', async () => {
      const params = bigParams();
      const trainer = await make(params, bigData(1000));
      const running = trainer.trainEpoch(longOrder(1000, 32 * 300), 32, 0.01, 1);
      structuredClone(params.buffer, { transfer: [params.buffer] });
      await expect(running).rejects.toThrow(/params was detached \(its buffer transferred\) while the trainer held it/);
      trainer.dispose();
    });
  });

  describe('predict', () => {
    it('checks params, x and out', () => {
      expect(() => addon.predict(PLAN, f(SIZE), f(7), 2, f(6))).toThrow(
        'predict: x must be a Float32Array of at least 8 elements (n * inputs = 2 * 4), received Float32Array of length 7',
      );
      expect(() => addon.predict(PLAN, f(SIZE), f(8), 2, f(5))).toThrow(/predict: out must be a Float32Array of at least 6 elements \(n \* outputs = 2 \* 3\)/);
      expect(() => addon.predict(PLAN, f(3), f(8), 2, f(6))).toThrow(/params must be a Float32Array of exactly 43 elements \(plan.size\)/);
    });
  });

  describe('through the backend', () => {
    const options = { optimizer: optimizerSettings('momentum'), batchSize: 4, threads: 0, seed: 0 };

    it('errors carry a JS stack that points at the caller', async () => {
      const error = await nativeBackend.createTrainer(PLAN, f(3), state(), data(), options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/params must be a Float32Array of exactly 43 elements/);
      expect((error as Error).stack).toMatch(/native-safety\.test\.ts/);
    });

    it('trainEpoch rejects with the native message and a JS stack', async () => {
      const trainer = await nativeBackend.createTrainer(PLAN, f(SIZE), state(), data(), options);
      const order = identity(10);
      order[9] = 1234;
      const error = await trainer.trainEpoch({ order, batchSize: 4, lr: 0.1, epoch: 1 }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toBe('trainEpoch: order[9] = 1234 is out of range: it must be a row index below data.n = 10');
      expect(error?.stack).toMatch(/native-safety\.test\.ts/);
      trainer.dispose();
    });
  });

  it('the process survives all of the above and still trains', async () => {
    const params = f(SIZE).map((_, i) => Math.cos(i) * 0.3);
    const trainer = await nativeBackend.createTrainer(PLAN, params, state(), data(), { optimizer: optimizerSettings('momentum'), batchSize: 4, threads: 2, seed: 0 });
    const result = await trainer.trainEpoch({ order: identity(10), batchSize: 4, lr: 0.1, epoch: 1 });
    expect(result).toMatchObject({ steps: 3, samples: 10, failedBatch: -1, aborted: false });
    expect(Number.isFinite(result.lossSum)).toBe(true);
    trainer.dispose();
  });
});
