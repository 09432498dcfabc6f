import { describe, expect, it } from 'vitest';
import { Network } from '../src/network.js';
import { fitPreprocessing, preprocessRows } from '../src/data/preprocess.js';
import type { Dataset } from '../src/data/dataset.js';
import { nativeAvailable } from '../src/backend/native.js';
import { Rng } from '../src/rng.js';
import { trainTestSplit } from '../src/data/split.js';

/** Three classes of blobs, features on wildly different scales (x1000, x0.001, +500). */
function unscaled(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 3);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const c = r % 3;
    y[r] = c;
    x[r * 3] = (c + rng.normal() * 0.2) * 1000;
    x[r * 3 + 1] = (2 - c + rng.normal() * 0.2) * 0.001;
    x[r * 3 + 2] = 500 + c + rng.normal() * 0.2;
  }
  return { x, y, n, features: 3, classes: 3 };
}

describe('preprocessing', () => {
  it('standardize: mean 0 and standard deviation 1 per feature on the rows it was fit on', () => {
    const data = unscaled(300, 1);
    const p = fitPreprocessing('standardize', data.x, 1, data.n, 3)!;
    const out = preprocessRows(p, data.x, 1, 3, 0, data.n, new Float32Array(data.n * 3));
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      let squares = 0;
      for (let r = 0; r < data.n; r++) sum += out[r * 3 + j];
      const mean = sum / data.n;
      for (let r = 0; r < data.n; r++) squares += (out[r * 3 + j] - mean) ** 2;
      expect(Math.abs(mean)).toBeLessThan(1e-3);
      expect(Math.sqrt(squares / data.n)).toBeCloseTo(1, 3);
    }
  });

  it('minmax: the training range maps to [0, 1]; a constant feature stays put', () => {
    const x = new Float32Array([1, 5, 3, 5, 2, 5]);
    const p = fitPreprocessing('minmax', x, 1, 3, 2)!;
    expect(Array.from(preprocessRows(p, x, 1, 2, 0, 3, new Float32Array(6)))).toEqual([0, 0, 1, 0, 0.5, 0]);
    expect(p.scale[1]).toBe(1);
  });

  it('bytes are scaled before the statistics are taken', () => {
    const p = fitPreprocessing('minmax', new Uint8Array([0, 255, 51]), 1 / 255, 3, 1)!;
    expect(p.shift[0]).toBe(0);
    expect(p.scale[0]).toBeCloseTo(1, 6);
  });

  it('fit learns unscaled inputs with standardize, keeps it, and evaluate and predict apply it', async () => {
    const train = unscaled(600, 2);
    const test = unscaled(150, 3);
    const net = new Network({ layers: [3, 16, 3], backend: 'js', seed: 1 });
    await net.fit(train, { epochs: 40, preprocess: "standardize" });
    expect(net.preprocessing?.kind).toBe('standardize');
    expect(net.evaluate(test).accuracy).toBeGreaterThan(0.95);
    // predict on raw rows equals the network without preprocessing on preprocessed rows
    const rows = preprocessRows(net.preprocessing, test.x, 1, 3, 0, test.n, new Float32Array(test.n * 3));
    const bare = new Network({ layers: [3, 16, 3], backend: 'js' });
    bare.params.set(net.params);
    expect(Array.from(net.predict(test.x as Float32Array))).toEqual(Array.from(bare.predict(rows)));
  });

  it('is fit on the training rows only, not the held-out validation rows', async () => {
    const data = unscaled(300, 4);
    const net = new Network({ layers: [3, 4, 3], backend: 'js' });
    await net.fit(data, { epochs: 1, preprocess: 'minmax', validation: 0.5 });
    // fit holds out half the rows with its seed (the network's, 0); the statistics are those of the other half.
    const { train } = trainTestSplit(data, { testFraction: 0.5, seed: 0 });
    expect(net.preprocessing).toEqual(fitPreprocessing('minmax', train.x, 1, train.n, 3));
    expect(net.preprocessing).not.toEqual(fitPreprocessing('minmax', data.x, 1, data.n, 3));
  });

  it('a later fit keeps it unless told otherwise; preprocess "none" removes it', async () => {
    const data = unscaled(90, 5);
    const net = new Network({ layers: [3, 4, 3], backend: 'js' });
    await net.fit(data, { epochs: 1, preprocess: 'standardize' });
    const kept = net.preprocessing;
    await net.fit(unscaled(90, 6), { epochs: 1 });
    expect(net.preprocessing).toBe(kept);
    await net.fit(data, { epochs: 1, preprocess: 'none' });
    expect(net.preprocessing).toBeNull();
  });

  it.runIf(nativeAvailable())('native and js agree with preprocessing', async () => {
    const train = unscaled(300, 7);
    const results = [];
    for (const backend of ['js', 'native'] as const) {
      const net = new Network({ layers: [3, 8, 3], backend, seed: 2 });
      await net.fit(train, { epochs: 5, preprocess: 'standardize' });
      results.push(net.predict(train.x as Float32Array));
    }
    for (let i = 0; i < results[0].length; i++) expect(results[1][i]).toBeCloseTo(results[0][i], 4);
  });

  it('names a bad option', async () => {
    const net = new Network({ layers: [3, 4, 3], backend: 'js' });
    await expect(net.fit(unscaled(9, 1), { preprocess: 'scale' as never })).rejects.toThrow(
      /options.preprocess must be one of "none", "minmax", "standardize", received "scale"/,
    );
  });
});

describe('predict takes the input forms a user has', () => {
  const net = new Network({ layers: [2, 3, 2], backend: 'js', seed: 1 });
  const expected = Array.from(net.predict(new Float32Array([0.2, 0.4, 1, 0])));

  it('a Float32Array, number[][] rows, one number[] row, bytes', () => {
    expect(Array.from(net.predict([[0.2, 0.4], [1, 0]]))).toEqual(expected);
    expect(Array.from(net.predict([0.2, 0.4]))).toEqual(expected.slice(0, 2));
    const bytes = Array.from(net.predict(new Uint8Array([51, 102, 255, 0])));
    bytes.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('names what is wrong', () => {
    expect(() => net.predict([[1, 2], [3]])).toThrow(/x\[1\] must hold 2 values \(the network's inputs\), received 1/);
    expect(() => net.predict([1, 2, 3])).toThrow(/x must hold a whole number of rows of 2 values/);
    expect(() => net.predict([[1, NaN]])).toThrow(/x must hold finite numbers, received NaN at row 0, column 1/);
    expect(() => net.predict('1,2' as never)).toThrow(/x must be a Float32Array or Uint8Array of n x 2 values/);
  });
});
