import { describe, expect, it } from 'vitest';
import { Network } from '../src/network.js';
import { Rng } from '../src/rng.js';
import { trainTestSplit } from '../src/data/split.js';
import type { Dataset } from '../src/data/dataset.js';
import type { BackendName } from '../src/backend/types.js';
import { optimizerSettings } from './support/optimizer.js';

/** The same data twice: as bytes with a scale, and as the floats they stand for. */
function twins(n: number, features: number, classes: number): { bytes: Dataset; floats: Dataset } {
  const rng = new Rng(3);
  const raw = new Uint8Array(n * features);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = r % classes;
    for (let j = 0; j < features; j++) raw[r * features + j] = Math.min(255, Math.max(0, Math.round(40 * y[r] + 30 * rng.normal() + 60 + j)));
  }
  const floats = Float32Array.from(raw, (b) => b / 255);
  return {
    bytes: { x: raw, y, n, features, classes },
    floats: { x: floats, y, n, features, classes },
  };
}

describe('byte inputs (Uint8Array x, widened per batch)', () => {
  for (const backend of ['js', 'native'] as BackendName[]) {
    it(`${backend}: training on bytes equals training on the floats they stand for`, async () => {
      const { bytes, floats } = twins(300, 12, 3);
      const a = new Network({ layers: [12, 16, 3], backend, seed: 1 });
      const b = new Network({ layers: [12, 16, 3], backend, seed: 1 });
      const ha = await a.fit(bytes, { epochs: 3, batchSize: 32, validation: 0.2 });
      const hb = await b.fit(floats, { epochs: 3, batchSize: 32, validation: 0.2 });
      for (let i = 0; i < a.params.length; i++) expect(a.params[i]).toBeCloseTo(b.params[i], 5);
      expect(ha.epochs[2].valLoss).toBeCloseTo(hb.epochs[2].valLoss!, 5);
      expect(a.evaluate(bytes).loss).toBeCloseTo(b.evaluate(floats).loss, 5);
    });
  }

  it('a custom xScale is honoured and split keeps the bytes', () => {
    const { bytes } = twins(50, 4, 2);
    const { train, test } = trainTestSplit({ ...bytes, xScale: 0.5 }, { seed: 1 });
    expect(train.x).toBeInstanceOf(Uint8Array);
    expect(test.xScale).toBe(0.5);
    const net = new Network({ layers: [4, 2], backend: 'js' });
    const viaBytes = net.evaluate({ ...bytes, xScale: 0.5 }).loss;
    const viaFloats = net.evaluate({ ...bytes, x: Float32Array.from(bytes.x, (v) => v * 0.5) }).loss;
    expect(viaBytes).toBeCloseTo(viaFloats, 6);
  });

  it('rejects a bad xScale, and an xScale on float x', async () => {
    const { bytes, floats } = twins(10, 4, 2);
    const net = new Network({ layers: [4, 2], backend: 'js' });
    expect(() => net.evaluate({ ...bytes, xScale: 0 })).toThrow(/data.xScale must be a positive finite number, received 0/);
    expect(() => net.evaluate({ ...floats, xScale: 2 })).toThrow(/data.xScale applies to a Uint8Array x only/);
    await expect(net.fit({ ...bytes, x: new Uint8Array(3) }, { epochs: 1 })).rejects.toThrow(
      /data.x must have n x features = 10 x 4 = 40 values, received 3/,
    );
  });

  it('the native trainer re-checks a byte x that is too short', async () => {
    const { loadNativeAddon } = await import('../src/backend/native.js');
    const addon = loadNativeAddon();
    const { plan } = new Network({ layers: [4, 2], backend: 'js' });
    const params = new Float32Array(plan.size);
    const config = { batchSize: 2, threads: 1, seed: 0, step: 0, optimizer: optimizerSettings('sgd') };
    const moments = new Float32Array(0);
    expect(() => new addon.Trainer(plan, params, moments, { x: new Uint8Array(7), xScale: 1, n: 2, labels: new Int32Array(2), targets: null }, config)).toThrow(
      /data.x must be a Uint8Array of at least 8 elements/,
    );
    expect(() => new addon.Trainer(plan, params, moments, { x: new Uint8Array(8), xScale: -1, n: 2, labels: new Int32Array(2), targets: null }, config)).toThrow(
      /data.xScale must be a positive finite number, received -1/,
    );
  });
});
