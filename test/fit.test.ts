import { describe, expect, it } from 'vitest';
import { Network } from '../src/network.js';
import { ReferenceDriver } from '../src/backend/reference-driver.js';
import { optimizerUpdate } from '../src/backend/reference-kernels.js';
import type { DenseLayer } from '../src/plan.js';
import { TrainingDivergedError } from '../src/train/errors.js';
import type { Dataset } from '../src/data/dataset.js';
import { Rng } from '../src/rng.js';
import { nativeAvailable } from '../src/backend/native.js';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** Two noisy Gaussian blobs per class around distinct centres: learnable, not trivial. */
function blobs(n: number, features: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes * features }, () => rng.normal() * 2);
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const c = r % classes;
    y[r] = c;
    for (let j = 0; j < features; j++) x[r * features + j] = centres[c * features + j] + rng.normal();
  }
  return { x, y, n, features, classes };
}

describe('fit', () => {
  it('runs the batches of an epoch in order, the last one partial, each as the mean over its rows', async () => {
    const data = blobs(10, 3, 2, 1);
    const net = new Network({ layers: [3, 4, 2], backend: 'js', seed: 5 });
    const expected = net.params.slice();
    await net.fit(data, { epochs: 1, batchSize: 4, optimizer: 'sgd', lr: 0.5, shuffle: false, schedule: 'constant' });

    // The same three steps by hand: rows 0-3, 4-7 and 8-9.
    const model = new ReferenceDriver(net.plan, 4);
    const grads = new Float32Array(expected.length);
    for (const [from, to] of [[0, 4], [4, 8], [8, 10]]) {
      model.lossAndGradient(expected, grads, (data.x as Float32Array).subarray(from * 3, to * 3), (data.y as Int32Array).subarray(from, to), null, to - from, null);
      optimizerUpdate(expected, grads, null, expected.length, {
        kind: 'sgd', lr: 0.5, momentum: 0, nesterov: false, beta1: 0, beta2: 0, epsilon: 1, weightDecay: 0, step: 1,
      });
    }
    for (let i = 0; i < expected.length; i++) expect(net.params[i]).toBeCloseTo(expected[i], 6);
  });

  it('applies weight decay to weights and not to biases', async () => {
    // With lr tiny relative to decay, compare how much weights and biases shrink.
    const data = blobs(8, 2, 2, 2);
    const a = new Network({ layers: [2, 3, 2], backend: 'js', seed: 1 });
    const b = new Network({ layers: [2, 3, 2], backend: 'js', seed: 1 });
    a.params.fill(1);
    b.params.fill(1);
    await a.fit(data, { epochs: 1, batchSize: 8, optimizer: 'sgd', lr: 0.1, schedule: 'constant' });
    await b.fit(data, { epochs: 1, batchSize: 8, optimizer: 'sgd', lr: 0.1, weightDecay: 0.5, schedule: 'constant' });
    const { weightOffset, biasOffset } = a.plan.layers[0] as DenseLayer;
    for (let i = weightOffset; i < biasOffset; i++) expect(b.params[i]).toBeCloseTo(a.params[i] - 0.1 * 0.5 * 1, 6);
    for (let i = biasOffset; i < biasOffset + 3; i++) expect(b.params[i]).toBe(a.params[i]);
  });

  it('the same seed gives the same training; another shuffle seed another', async () => {
    const data = blobs(64, 4, 3, 3);
    const train = async (seed: number) => {
      const net = new Network({ layers: [4, 8, 3], backend: 'js', seed: 2 });
      const history = await net.fit(data, { epochs: 3, batchSize: 8, seed });
      return { params: Array.from(net.params), losses: history.epochs.map((e) => e.loss) };
    };
    const first = await train(11);
    expect(await train(11)).toEqual(first);
    expect((await train(12)).params).not.toEqual(first.params);
  });

  for (const optimizer of ['sgd', 'momentum', 'adam', 'adamw'] as const) {
    it(`${optimizer} learns separable blobs`, async () => {
      const data = blobs(300, 5, 3, 4);
      const net = new Network({ layers: [5, 16, 3], backend: 'js', seed: 1 });
      const before = net.evaluate(data);
      const history = await net.fit(data, { epochs: 15, batchSize: 16, optimizer, nesterov: optimizer === 'momentum' });
      const after = net.evaluate(data);
      expect(after.loss).toBeLessThan(before.loss * 0.5);
      expect(after.accuracy).toBeGreaterThan(0.9);
      expect(history.epochs[14].loss).toBeLessThan(history.epochs[0].loss);
    });
  }

  it('records history, validation on a held-out fraction, and the schedule', async () => {
    const data = blobs(200, 3, 2, 5);
    const net = new Network({ layers: [3, 6, 2], backend: 'js' });
    const seen: number[] = [];
    const history = await net.fit(data, {
      epochs: 6,
      validation: 0.25,
      lr: 0.01,
      schedule: { type: 'step', stepSize: 2, gamma: 0.5 },
      onEpochEnd: async (log) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(log.epoch);
      },
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.epochs.map((e) => e.lr)).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025]);
    for (const e of history.epochs) {
      expect(e.valLoss).toBeGreaterThan(0);
      expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.accuracy).toBeGreaterThanOrEqual(0);
      expect(e.seconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('cosine schedule runs from lr toward minLr as CosineAnnealingLR over T_max = epochs: every epoch trains', async () => {
    const net = new Network({ layers: [3, 2], backend: 'js' });
    const history = await net.fit(blobs(20, 3, 2, 6), { epochs: 5, lr: 0.1, schedule: { type: 'cosine', minLr: 0.01 } });
    const lrs = history.epochs.map((e) => e.lr);
    // epoch e (0-based) of 5 at 0.01 + 0.09 (1 + cos(pi e / 5)) / 2
    [0.1, 0.09140576474687263, 0.06890576474687263, 0.041094235253127366, 0.01859423525312737].forEach((lr, e) => expect(lrs[e]).toBeCloseTo(lr, 12));
    // With minLr 0 the last epoch used to run at lr 0: of two epochs, one trained.
    const two = new Network({ layers: [3, 2], backend: 'js' });
    const lrsOfTwo = (await two.fit(blobs(20, 3, 2, 6), { epochs: 2, lr: 0.1, schedule: 'cosine' })).epochs.map((e) => e.lr);
    expect(lrsOfTwo[0]).toBe(0.1);
    expect(lrsOfTwo[1]).toBeCloseTo(0.05, 12);
  });

  it('early stopping waits out its patience and restores the best weights', async () => {
    const data = blobs(120, 3, 2, 7);
    const validation = blobs(60, 3, 2, 8);
    const net = new Network({ layers: [3, 32, 2], backend: 'js', seed: 3 });
    // A large constant lr makes the validation loss wander, so patience runs out.
    const history = await net.fit(data, {
      epochs: 200,
      lr: 0.05,
      schedule: 'constant',
      validation,
      earlyStopping: { patience: 3 },
    });
    expect(history.stoppedEarly).toBe(true);
    const best = Math.min(...history.epochs.map((e) => e.valLoss!));
    const bestEpoch = history.epochs.find((e) => e.valLoss === best)!.epoch;
    expect(history.restoredEpoch).toBe(bestEpoch);
    expect(history.epochs.length).toBe(bestEpoch + 3);
    expect(net.evaluate(validation).loss).toBeCloseTo(best, 5);
  });

  it('an AbortSignal stops training and rejects with its reason', async () => {
    const controller = new AbortController();
    const net = new Network({ layers: [3, 4, 2], backend: 'js' });
    const epochs: number[] = [];
    const run = net.fit(blobs(50, 3, 2, 9), {
      epochs: 100,
      signal: controller.signal,
      onEpochEnd: (log) => {
        epochs.push(log.epoch);
        if (log.epoch === 2) controller.abort(new Error('stop here'));
      },
    });
    await expect(run).rejects.toThrow('stop here');
    expect(epochs).toEqual([1, 2]);
  });

  it('an abort in the middle of an epoch stops between batches', async () => {
    // A custom activation counts the work done: each batch calls f and its
    // derivative once per hidden unit and row. The abort comes halfway
    // through the 11th of the epoch's 500 batches; what runs after it is
    // the rest of that batch, nothing more.
    const controller = new AbortController();
    const units = 64;
    const batchSize = 8;
    const perBatch = 2 * batchSize * 2 * units;
    let calls = 0;
    let abortAt = Infinity;
    const counted = {
      name: 'counted-relu',
      f: (z: number) => {
        if (++calls === abortAt) controller.abort();
        return z > 0 ? z : 0;
      },
      derivative: (z: number) => {
        calls++;
        return z > 0 ? 1 : 0;
      },
    };
    const net = new Network({ layers: [20, units, units, 2], activation: counted, backend: 'js' });
    const data = blobs(4000, 20, 2, 10);
    calls = 0;
    abortAt = Math.round(10.5 * perBatch);
    const epochs: number[] = [];
    await expect(net.fit(data, { epochs: 50, batchSize, signal: controller.signal, onEpochEnd: (log) => void epochs.push(log.epoch) })).rejects.toThrow(/abort/i);
    expect(epochs).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(abortAt);
    expect(calls - abortAt).toBeLessThan(perBatch);
  });

  it('refuses a second fit on the same network while one runs', async () => {
    const net = new Network({ layers: [3, 4, 2], backend: 'js' });
    const data = blobs(50, 3, 2, 11);
    const first = net.fit(data, { epochs: 3 });
    await expect(net.fit(data, { epochs: 1 })).rejects.toThrow(/already training/);
    await first;
    await expect(net.fit(data, { epochs: 1 })).resolves.toBeDefined();
  });

  it('a diverging loss stops fit with the epoch and batch, and the weights stay finite', async () => {
    const rng = new Rng(1);
    const n = 64;
    const x = Float32Array.from({ length: n * 4 }, () => rng.normal() * 10);
    const y = Float32Array.from({ length: n }, () => rng.normal() * 100);
    const net = new Network({ layers: [4, 16, 1], output: 'linear', backend: 'js' });
    const error = await net
      .fit({ x, y, n, features: 4 }, { epochs: 50, batchSize: 8, optimizer: 'sgd', lr: 10, schedule: 'constant' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    const diverged = error as TrainingDivergedError;
    expect(diverged.message).toMatch(/training diverged: the loss became (NaN|Infinity) at epoch \d+, batch \d+ \(lr 10\)/);
    expect(diverged.epoch).toBeGreaterThanOrEqual(1);
    expect(diverged.nonFinite).toBe('loss');
    expect(Array.from(net.params).every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(net.evaluate({ x, y, n, features: 4 }).loss)).toBe(true);
  });

  it('trains a regressor on float targets', async () => {
    const rng = new Rng(2);
    const n = 200;
    const x = Float32Array.from({ length: n * 2 }, () => rng.uniform() * 2 - 1);
    const y = new Float32Array(n);
    for (let r = 0; r < n; r++) y[r] = Math.sin(2 * x[r * 2]) + 0.5 * x[r * 2 + 1];
    const net = new Network({ layers: [2, 32, 1], activation: 'tanh', output: 'linear', backend: 'js' });
    const before = net.evaluate({ x, y, n, features: 2 }).loss;
    await net.fit({ x, y, n, features: 2 }, { epochs: 100, lr: 0.01 });
    const after = net.evaluate({ x, y, n, features: 2 });
    expect(after.accuracy).toBeUndefined();
    expect(after.loss).toBeLessThan(before / 20);
  });

  it('trains a binary classifier with one sigmoid unit', async () => {
    const data = blobs(200, 5, 2, 12);
    const net = new Network({ layers: [5, 8, 1], output: 'sigmoid', backend: 'js' });
    await net.fit(data, { epochs: 30 });
    expect(net.evaluate(data).accuracy).toBeGreaterThan(0.9);
  });
});

describe('fit never leaves weights that are not finite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'descent-fit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);
  const data = blobs(40, 3, 2, 21);

  for (const backend of backends) {
    for (const epochs of [1, 2]) {
      it(`${backend}: an update that overflows in an epoch's last batch (lr 1e39, one batch an epoch, ${epochs} epochs) restores the epoch's start`, async () => {
        const net = new Network({ layers: [3, 5, 2], backend, seed: 4 });
        const start = net.params.slice();
        const error = await net.fit(data, { epochs, batchSize: data.n, lr: 1e39, schedule: 'constant' }).catch((e: unknown) => e);
        // Before, fit resolved with every weight non-finite (one epoch), or said it kept those of epoch 2's start, already NaN.
        expect(error).toBeInstanceOf(TrainingDivergedError);
        const diverged = error as TrainingDivergedError;
        expect(diverged).toMatchObject({ epoch: 1, batch: 0, nonFinite: 'weights', kept: 'epoch-start' });
        expect(diverged.message).toMatch(
          /^training diverged: the weights were no longer finite after the last update of epoch 1 \(batch 0, lr 1e\+39\): params\[\d+\] = (NaN|-?Infinity), the plan\[\d\] (weight from input \d+ to unit \d+|bias of unit \d+)\. So the network keeps those from the start of epoch 1, the last it knew to be finite, and has no optimizer state/,
        );
        expect(new Uint32Array(net.params.buffer)).toEqual(new Uint32Array(start.buffer));
        expect(net.optimizerState).toBeNull();
        // What it keeps saves and loads.
        const file = path.join(dir, `diverged-${backend}-${epochs}.descent`);
        await net.save(file);
        expect(Array.from((await Network.load(file, { backend: 'js' })).params)).toEqual(Array.from(start));
      });
    }
  }

  it('refuses to train from weights that are not finite, naming the parameter', async () => {
    const net = new Network({ layers: [3, 5, 2], backend: 'js' });
    net.params[12] = NaN;
    await expect(net.fit(data, { epochs: 1 })).rejects.toThrow(
      /^network.params must hold finite numbers to train, received params\[12\] = NaN, the plan\[0\] weight from input 2 to unit 2 at the start of epoch 1$/,
    );
  });

  it('save refuses weights that are not finite, naming the parameter and its layer, and writes nothing', async () => {
    const net = new Network({ layers: [3, 5, 2], backend: 'js' });
    net.params[21] = -Infinity;
    const file = path.join(dir, 'refused.descent');
    await expect(net.save(file)).rejects.toThrow(
      /^params\[21\] is -Infinity \(the plan\[2\] weight from input 0 to unit 1\): a model holds finite weights only, so this network cannot be saved$/,
    );
    expect(existsSync(file)).toBe(false);
    net.params[21] = 0;
    net.params[net.params.length - 1] = NaN;
    expect(() => net.toJSON()).toThrow(/params\[31\] is NaN \(the plan\[2\] bias of unit 1\)/);
  });
});

describe('binary cross-entropy takes targets in [0, 1] only', () => {
  const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);
  const n = 12;
  const x = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i));
  const targetsWith = (row: number, column: number, value: number): Float32Array => {
    const y = Float32Array.from({ length: n * 2 }, (_, i) => i % 2);
    y[row * 2 + column] = value;
    return y;
  };

  for (const backend of backends) {
    for (const value of [2, -1, 1e6]) {
      it(`${backend}: a target of ${value} is refused by fit, naming the row, column and value (it trained to a negative loss)`, async () => {
        const net = new Network({ layers: [3, 4, 2], output: 'sigmoid', backend });
        const y = targetsWith(7, 1, value);
        await expect(net.fit({ x, y, n, features: 3 }, { epochs: 2 })).rejects.toThrow(
          `data.y must hold targets in [0, 1] (the binary-cross-entropy loss reads them as probabilities), received ${value} at row 7, column 1`,
        );
        const good = { x, y: targetsWith(0, 0, 1), n, features: 3 };
        await expect(net.fit(good, { epochs: 1, validation: { x, y, n, features: 3 } })).rejects.toThrow(/^options.validation.y must hold targets in \[0, 1\]/);
        expect(() => net.evaluate({ x, y, n, features: 3 })).toThrow(/^data.y must hold targets in \[0, 1\] .* at row 7, column 1$/);
        await expect(net.evaluateAsync({ x, y, n, features: 3 })).rejects.toThrow(/^data.y must hold targets in \[0, 1\]/);
      });
    }
  }

  it('0, 1 and probabilities between train; mse takes any finite target', async () => {
    const net = new Network({ layers: [3, 4, 2], output: 'sigmoid', backend: 'js' });
    const y = Float32Array.from({ length: n * 2 }, (_, i) => (i % 3) / 2);
    const history = await net.fit({ x, y, n, features: 3 }, { epochs: 2 });
    expect(history.epochs.every((e) => e.loss > 0)).toBe(true);
    const regressor = new Network({ layers: [3, 4, 2], output: 'linear', backend: 'js' });
    await expect(regressor.fit({ x, y: targetsWith(7, 1, 1e6), n, features: 3 }, { epochs: 1 })).resolves.toBeDefined();
  });
});
