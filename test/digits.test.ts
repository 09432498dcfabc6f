import { describe, expect, it } from 'vitest';
import { loadDigits } from '../src/data/digits.js';
import { trainTestSplit } from '../src/data/split.js';
import { Network, type NetworkOptions } from '../src/network.js';
import { nativeAvailable } from '../src/backend/native.js';

/** Test accuracy per seed 0-4, each on its own 20% stratified split. */
async function accuracies(options: Omit<NetworkOptions, 'seed'>): Promise<number[]> {
  const digits = loadDigits();
  const result: number[] = [];
  for (let seed = 0; seed < 5; seed++) {
    const { train, test } = trainTestSplit(digits, { testFraction: 0.2, seed });
    const net = new Network({ ...options, seed });
    await net.fit(train);
    result.push(net.evaluate(test).accuracy!);
  }
  return result;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b) / values.length;

describe('digits', () => {
  const digits = loadDigits();

  it('loads 1,797 images of 64 pixels scaled to [0, 1] with labels 0-9', () => {
    expect(digits.n).toBe(1797);
    expect(digits.features).toBe(64);
    expect(digits.classes).toBe(10);
    expect(digits.x.length).toBe(1797 * 64);
    expect(Math.min(...digits.x)).toBe(0);
    expect(Math.max(...digits.x)).toBe(1);
    const counts = new Array(10).fill(0);
    for (const label of digits.y) counts[label]++;
    // The UCI test set: every digit 174-183 times.
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(174);
    // First row of the file, pixel 2 is 5/16.
    expect(digits.x[2]).toBeCloseTo(5 / 16, 7);
    expect(digits.y[0]).toBe(0);
  });

  it('splits stratified and seeded: each class keeps its share', () => {
    const { train, test } = trainTestSplit(digits, { testFraction: 0.2, seed: 3 });
    expect(train.n + test.n).toBe(1797);
    expect(test.n).toBeGreaterThan(350);
    expect(test.n).toBeLessThan(370);
    const perClass = (labels: ArrayLike<number>) => {
      const counts = new Array(10).fill(0);
      for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
      return counts;
    };
    const all = perClass(digits.y);
    const inTest = perClass(test.y);
    for (let c = 0; c < 10; c++) expect(inTest[c]).toBe(Math.round(all[c] * 0.2));
    const again = trainTestSplit(digits, { testFraction: 0.2, seed: 3 });
    expect(Array.from(again.test.x)).toEqual(Array.from(test.x));
    const other = trainTestSplit(digits, { testFraction: 0.2, seed: 4 });
    expect(Array.from(other.test.x)).not.toEqual(Array.from(test.x));
  });

  it('rejects a test fraction outside (0, 1)', () => {
    expect(() => trainTestSplit(digits, { testFraction: 1 })).toThrow(/testFraction must be a number in \[.*, 1\), received 1/);
    expect(() => trainTestSplit(digits, { testFraction: 0 })).toThrow(/received 0/);
  });

  it('the defaults reach a mean test accuracy of at least 0.975 over seeds 0-4 (js backend)', async () => {
    const accuracies: number[] = [];
    for (let seed = 0; seed < 5; seed++) {
      const { train, test } = trainTestSplit(digits, { testFraction: 0.2, seed });
      const net = new Network({ layers: [64, 128, 10], seed, backend: 'js' });
      await net.fit(train);
      accuracies.push(net.evaluate(test).accuracy!);
    }
    const mean = accuracies.reduce((a, b) => a + b) / accuracies.length;
    expect(mean).toBeGreaterThanOrEqual(0.975);
  });

  describe.runIf(nativeAvailable())('the new activations and dropout, on both backends', () => {
    it('gelu with dropout 0.1: a mean of at least 0.975 on native, js within half a point', async () => {
      const options = { layers: [64, 128, 10], activation: 'gelu', dropout: 0.1 } as const;
      const native = await accuracies({ ...options, backend: 'native' });
      expect(mean(native)).toBeGreaterThanOrEqual(0.975);
      const js = await accuracies({ ...options, backend: 'js' });
      expect(Math.abs(mean(native) - mean(js))).toBeLessThanOrEqual(0.005);
    });

    it('silu: a mean of at least 0.975 on native, js within half a point', async () => {
      const native = await accuracies({ layers: [64, 128, 10], activation: 'silu', backend: 'native' });
      expect(mean(native)).toBeGreaterThanOrEqual(0.975);
      const js = await accuracies({ layers: [64, 128, 10], activation: 'silu', backend: 'js' });
      expect(Math.abs(mean(native) - mean(js))).toBeLessThanOrEqual(0.005);
    });
  });

  it("reproduces the classic mistake: tanh output, squared error on one-hot targets, weights from [0, 1), plain sgd", async () => {
    const { train, test } = trainTestSplit(digits, { testFraction: 0.2, seed: 0 });
    const broken = new Network({ layers: [64, 10, 10], output: 'tanh', loss: 'mse', init: 'uniform', backend: 'js' });
    await broken.fit(train, { optimizer: 'sgd' });
    const fixed = new Network({ layers: [64, 10, 10], backend: 'js' });
    await fixed.fit(train);
    expect(broken.evaluate(test).accuracy).toBeLessThan(0.3);
    expect(fixed.evaluate(test).accuracy).toBeGreaterThan(0.93);
  });
});

describe('trainTestSplit checks its dataset as fit does', () => {
  const digits = loadDigits();
  it('names a bad classes, label or shape instead of running out of memory', () => {
    expect(() => trainTestSplit({ ...digits, classes: Infinity })).toThrow(/data.classes must be an integer in \[2, 65536\], received Infinity/);
    expect(() => trainTestSplit({ ...digits, classes: 2e9 })).toThrow(/data.classes must be an integer in \[2, 65536\], received 2000000000/);
    const y = Int32Array.from(digits.y as Int32Array);
    y[5] = 12;
    expect(() => trainTestSplit({ ...digits, y })).toThrow(/data.y must hold class indices in \[0, 10\), received 12 at row 5/);
    expect(() => trainTestSplit({ ...digits, y: Array.from(y, (v, i) => (i === 7 ? 1.5 : v % 10)) })).toThrow(/received 1.5 at row 7/);
    expect(() => trainTestSplit({ ...digits, x: new Float32Array(10) })).toThrow(/data.x must have n x features/);
  });

  it('names bad options (null read "Cannot read properties of null")', () => {
    expect(() => trainTestSplit(digits, null as never)).toThrow(/^options must be an object, received null$/);
    expect(() => trainTestSplit(digits, 0.2 as never)).toThrow(/^options must be an object, received 0.2$/);
    expect(() => trainTestSplit(digits, { testFracton: 0.3 } as never)).toThrow(/^options has an unknown option "testFracton"; expected one of testFraction, seed, stratify$/);
    expect(() => trainTestSplit(digits, { stratify: 'yes' } as never)).toThrow(/^stratify must be a boolean, received "yes"$/);
  });
});
