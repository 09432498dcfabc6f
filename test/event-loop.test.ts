/**
 * Training and inference never hold the event loop for long: fit's data
 * work runs in slices, validation and predictAsync / evaluateAsync run
 * off the JS thread on the native backend, and the async forms give the
 * same answers as the synchronous ones. The tests count the turns the
 * event loop gets; the longest gap (the 20 ms target) is the benchmark's
 * to measure (bench/event-loop.mjs): a timed bound fails whenever the
 * machine is busy.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable } from '../src/backend/native.js';
import { Network } from '../src/index.js';
import { loadDigits } from '../src/data/digits.js';
import { plan } from './support/training.js';
import { ready } from './support/native-trainer.js';

/** How often a 1 ms timer fired while `work` ran: a block of synchronous work lets it fire once. */
async function timerTicks(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

function sineRows(n: number, features: number, seed: number): Float32Array {
  const x = new Float32Array(n * features);
  const block = Math.min(n, 997) * features;
  for (let i = 0; i < block; i++) x[i] = Math.sin(i * 0.731 + seed);
  for (let filled = block; filled < x.length; filled += block) x.copyWithin(filled, 0, Math.min(block, x.length - filled));
  return x;
}

const same = (a: Float32Array, b: Float32Array): void => expect(new Uint32Array(a.buffer, a.byteOffset, a.length)).toEqual(new Uint32Array(b.buffer, b.byteOffset, b.length));

describe.runIf(nativeAvailable())('native fit keeps the event loop turning', () => {
  it('30,000 x 784 float rows with validation 0.1: the loop turns while the data are checked, split, preprocessed and copied', { timeout: 120_000 }, async () => {
    const n = 30_000;
    const features = 784;
    const x = sineRows(n, features, 1);
    const y = new Int32Array(n).map((_, i) => (i * 7) % 10);
    const net = new Network({ layers: [features, 32, 10], backend: 'native' });
    let ticksBeforeTraining = -1;
    const ticks = await timerTicks(async () => {
      let sofar = 0;
      const counter = setInterval(() => sofar++, 1);
      await net.fit({ x, y, n, features, classes: 10 }, {
        epochs: 1,
        batchSize: 256,
        validation: 0.1,
        preprocess: 'standardize',
        onEpochEnd: () => {
          ticksBeforeTraining = sofar;
          clearInterval(counter);
        },
      });
    });
    // 23.5M values scanned, split, standardised and copied: tens of ms of
    // work at the least, done in 3 ms slices. In one block (as before) the
    // timer would fire once or twice before the epoch.
    expect(ticksBeforeTraining).toBeGreaterThanOrEqual(10);
    expect(ticks).toBeGreaterThanOrEqual(ticksBeforeTraining);
  });

  it('predictAsync of 100,000 rows: the loop turns between chunks; the same outputs as predict', { timeout: 120_000 }, async () => {
    const features = 784;
    const x = sineRows(100_000, features, 2);
    const net = new Network({ layers: [features, 256, 10], backend: 'native' });
    let outputs: Float32Array = new Float32Array(0);
    const ticks = await timerTicks(async () => {
      outputs = await net.predictAsync(x);
    });
    // 100,000 rows go in chunks of 1,280 (a million values): 79 chunks, a turn after each.
    expect(ticks).toBeGreaterThanOrEqual(40);
    same(outputs, net.predict(x));
  });

  it('predictAsync of 30,000 number[] rows (number[][]): the loop turns while they are converted; a number[] row gives the outputs of predict', { timeout: 120_000 }, async () => {
    const features = 784;
    const flat = sineRows(30_000, features, 7);
    const nested = Array.from({ length: 30_000 }, (_, r) => Array.from(flat.subarray(r * features, (r + 1) * features)));
    const net = new Network({ layers: [features, 16, 10], backend: 'native' });
    let outputs: Float32Array = new Float32Array(0);
    const ticks = await timerTicks(async () => {
      outputs = await net.predictAsync(nested);
    });
    // Their conversion alone held the loop ~130 ms in one block; sliced, it turns every few ms.
    expect(ticks).toBeGreaterThanOrEqual(20);
    same(outputs, net.predict(flat));
    same(await net.predictAsync(nested[123]), net.predict(flat.subarray(123 * features, 124 * features)));
  });
});

describe('async forms answer as the synchronous ones', () => {
  const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);
  for (const backend of backends) {
    it(`${backend}: predictAsync, predictClassesAsync and evaluateAsync equal predict, predictClasses and evaluate, bit for bit`, async () => {
      const digits = loadDigits();
      const net = new Network({ layers: [64, 48, 10], backend, seed: 3 });
      await net.fit(digits, { epochs: 2, preprocess: 'standardize' });
      // Bytes, floats, a row and rows, and a row count no chunk size divides.
      const floats = sineRows(3001, 64, 4).map((v) => 8 + 8 * v);
      const bytes = Uint8Array.from(floats, (v) => Math.round(v * 15));
      for (const input of [floats, bytes, Array.from(floats.subarray(0, 64)), [Array.from(floats.subarray(0, 64)), Array.from(floats.subarray(64, 128))]]) {
        same(await net.predictAsync(input), net.predict(input));
      }
      expect(await net.predictClassesAsync(floats)).toEqual(net.predictClasses(floats));
      expect(await net.evaluateAsync(digits)).toEqual(net.evaluate(digits));
    });
  }

  it('the async forms refuse what the synchronous ones refuse, with the same message', async () => {
    const net = new Network({ layers: [4, 3, 2] });
    const bad = new Float32Array([1, 2, NaN, 4]);
    expect(() => net.predict(bad)).toThrow(/x must hold finite numbers, received NaN at row 0, column 2/);
    await expect(net.predictAsync(bad)).rejects.toThrow(/x must hold finite numbers, received NaN at row 0, column 2/);
    const data = { x: new Float32Array(8), y: new Int32Array([0, 5]), n: 2, features: 4, classes: 2 };
    expect(() => net.evaluate(data)).toThrow(/data.y must hold class indices in \[0, 2\), received 5 at row 1/);
    await expect(net.evaluateAsync(data)).rejects.toThrow(/data.y must hold class indices in \[0, 2\), received 5 at row 1/);
  });
});

describe.runIf(nativeAvailable())('native predictAsync reads only its own copies', () => {
  it('x and params transferred away and overwritten right after the call: the promise resolves to the outputs of the originals', async () => {
    const addon = loadNativeAddon();
    const p = plan({ layers: [32, 64, 5] });
    const params = new Float32Array(p.size).map((_, i) => Math.cos(i) * 0.2);
    const x = sineRows(5000, 32, 5);
    const expected = new Float32Array(5000 * 5);
    addon.predict(p, params, x, 5000, expected);
    const pending = addon.predictAsync(p, params, x, 5000);
    const moved = [structuredClone(x.buffer, { transfer: [x.buffer] }), structuredClone(params.buffer, { transfer: [params.buffer] })];
    for (const buffer of moved) new Float32Array(buffer).fill(NaN);
    same(await pending, expected);
  });

  it('Network.predictAsync with x transferred mid-way rejects with a clear error', async () => {
    const net = new Network({ layers: [784, 64, 10], backend: 'native' });
    const x = sineRows(20_000, 784, 6);
    const pending = net.predictAsync(x);
    setImmediate(() => structuredClone(x.buffer, { transfer: [x.buffer] }));
    await expect(pending).rejects.toThrow(/x changed length \(its buffer transferred\?\) while it was being read: it had 15680000 values, now 0/);
  });
});

describe.runIf(nativeAvailable())('the native trainer loads its rows in slices', () => {
  const p = plan({ layers: [3, 4, 2] });
  const config = { batchSize: 2, threads: 1, seed: 0, step: 0, optimizer: { kind: 'sgd', momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 } };
  const data = (labels: Int32Array) => ({ x: new Float32Array(12), xScale: 1, n: 4, labels, targets: null });

  it('trains only once every row is in; a bad label in a later slice is named by its row', async () => {
    const addon = loadNativeAddon();
    const trainer = new addon.Trainer(p, new Float32Array(p.size), new Float32Array(0), data(new Int32Array([0, 1, 1, 7])), config);
    await trainer.prepare();
    expect(() => trainer.trainEpoch(new Uint32Array([0, 1]), 2, 0.1, 1)).toThrow('trainEpoch: the data are not all loaded (0 of 4 rows): call loadRows for the rest first');
    expect(trainer.loadRows(2)).toBe(2);
    expect(() => trainer.loadRows(2)).toThrow('loadRows: data.labels[3] = 7 is out of range: labels must be class indices in [0, 2)');
    expect(() => trainer.loadRows(3)).toThrow('loadRows: count must be in [0, 2] (rows not yet loaded), received 3');
    trainer.dispose();
  });

  it('data transferred between slices is refused by name; the rows already in are not read again', async () => {
    const addon = loadNativeAddon();
    const d = data(new Int32Array([0, 1, 1, 0]));
    const trainer = new addon.Trainer(p, new Float32Array(p.size), new Float32Array(0), d, config);
    await trainer.prepare();
    trainer.loadRows(1);
    structuredClone(d.x.buffer, { transfer: [d.x.buffer] });
    expect(() => trainer.loadRows(3)).toThrow(/loadRows: data.x must be a Float32Array/);
    trainer.dispose();
    const whole = await ready(new addon.Trainer(p, new Float32Array(p.size), new Float32Array(0), data(new Int32Array([0, 1, 1, 0])), config), 4);
    await expect(whole.trainEpoch(new Uint32Array([0, 1, 2, 3]), 2, 0.1, 1)).resolves.toMatchObject({ steps: 2 });
    whole.dispose();
  });
});
