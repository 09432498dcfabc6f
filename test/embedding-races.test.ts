/**
 * What a server's other code can do while a fit, predictAsync or
 * evaluateAsync awaits: transfer, shrink or change the arrays they read,
 * or abort. Each is refused with an error naming the array (never a
 * cryptic engine message or a silent wrong answer), and an abort during
 * the native trainer's sliced copy of the data stops the copy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable } from '../src/backend/native.js';
import { Network } from '../src/index.js';
import type { BackendChoice } from '../src/backend/select.js';

const transfer = (array: ArrayBufferView): unknown => structuredClone(array.buffer, { transfer: [array.buffer] });

function rows(n: number, features: number, seed: number): Float32Array {
  const x = new Float32Array(n * features);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37 + seed);
  return x;
}

function dataset(n: number, features: number, seed: number) {
  return { x: rows(n, features, seed), y: new Int32Array(n).map((_, i) => (i * 7 + seed) % 10), n, features, classes: 10 };
}

const backends: BackendChoice[] = nativeAvailable() ? ['js', 'native'] : ['js'];

describe.each(backends)('%s: fit between epochs', (backend) => {
  const net = () => new Network({ layers: [16, 8, 10], backend });

  it('a validation set whose y is transferred in onEpochEnd: the next validation names options.validation.y', async () => {
    const validation = dataset(50, 16, 2);
    const fit = net().fit(dataset(200, 16, 1), { epochs: 3, validation, onEpochEnd: () => void (validation.y.length && transfer(validation.y)) });
    await expect(fit).rejects.toThrow('options.validation.y must have n = 50 class indices, received 0');
  });

  it('a validation label set out of range in onEpochEnd is named by its row', async () => {
    const validation = dataset(50, 16, 2);
    const fit = net().fit(dataset(200, 16, 1), { epochs: 3, validation, onEpochEnd: () => void (validation.y[7] = 1234) });
    await expect(fit).rejects.toThrow('options.validation.y must hold class indices in [0, 10), received 1234 at row 7');
  });

  it('a validation set whose x is transferred in onEpochEnd: the error names options.validation.x', async () => {
    const validation = dataset(50, 16, 2);
    const fit = net().fit(dataset(200, 16, 1), { epochs: 3, validation, onEpochEnd: () => void (validation.x.length && transfer(validation.x)) });
    await expect(fit).rejects.toThrow('options.validation.x changed length (its buffer transferred?) while it was being read: it had 800 values, now 0');
  });

  it("the network's params transferred in onEpochEnd: the next epoch names network.params", async () => {
    const network = net();
    const fit = network.fit(dataset(200, 16, 1), { epochs: 3, onEpochEnd: () => void (network.params.length && transfer(network.params)) });
    await expect(fit).rejects.toThrow(`network.params changed length (its buffer transferred?) while it was being read: it had ${network.plan.size} values, now 0`);
  });
});

describe('js: the trainer reads the training data in every epoch', () => {
  const net = () => new Network({ layers: [16, 8, 10], backend: 'js' });

  it('y transferred in onEpochEnd is refused by name, not trained on as class 0', async () => {
    const data = dataset(200, 16, 1);
    const fit = net().fit(data, { epochs: 3, onEpochEnd: () => void (data.y.length && transfer(data.y)) });
    await expect(fit).rejects.toThrow('data.y changed length (its buffer transferred?) while it was being read: it had 200 values, now 0');
  });

  it('x transferred in onEpochEnd is refused by name', async () => {
    const data = dataset(200, 16, 1);
    const fit = net().fit(data, { epochs: 3, onEpochEnd: () => void (data.x.length && transfer(data.x)) });
    await expect(fit).rejects.toThrow('data.x changed length (its buffer transferred?) while it was being read: it had 3200 values, now 0');
  });

  it('a label set out of range in onEpochEnd is named by its row', async () => {
    const data = dataset(200, 16, 1);
    const fit = net().fit(data, { epochs: 3, onEpochEnd: () => void (data.y[42] = -3) });
    await expect(fit).rejects.toThrow('data.y[42] = -3 is out of range: labels must be class indices in [0, 10) (changed during the fit?)');
  });
});

describe.each(backends)('%s: evaluateAsync', (backend) => {
  it('y changed while the rows are computed: checked again, named by its row', async () => {
    const network = new Network({ layers: [16, 8, 10], backend });
    const data = dataset(3000, 16, 3);
    const pending = network.evaluateAsync(data);
    queueMicrotask(() => setImmediate(() => void (data.y[5] = 99)));
    await expect(pending).rejects.toThrow('data.y must hold class indices in [0, 10), received 99 at row 5');
  });
});

describe.runIf(nativeAvailable())('native: an abort during the sliced copy of the data', () => {
  const addon = nativeAvailable() ? loadNativeAddon() : null;
  const original = addon?.Trainer;
  afterEach(() => {
    if (addon && original) (addon as { Trainer: unknown }).Trainer = original;
  });

  it('stops the copy at the next slice, rejects with the AbortError and returns the lease', async () => {
    const controller = new AbortController();
    let calls = 0;
    // A trainer that aborts the fit when its first slice is copied.
    (addon as { Trainer: unknown }).Trainer = class extends original! {
      override loadRows(count: number): number {
        calls++;
        controller.abort();
        return super.loadRows(count);
      }
    };
    // 12,000 x 784 floats: 37 MB, ten slices of 4 MiB.
    const fit = new Network({ layers: [784, 8, 10], backend: 'native' }).fit(dataset(12_000, 784, 4), { epochs: 1, signal: controller.signal });
    await expect(fit).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    expect(addon!.threadLeases()).toMatchObject({ leases: 0, threads: 0 });
  });
});
