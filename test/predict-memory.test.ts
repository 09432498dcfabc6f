/**
 * Prediction memory is bounded whatever the layer widths: the rows a
 * predict computes at a time shrink as the widest layer grows (native:
 * two workspaces of at most 2^22 values a thread; js: every layer's
 * outputs within 2^22 values), and predictAsync still cuts its calls in
 * whole chunks of the native predict, so its outputs are predict's bits.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, nativeAvailable, nativeBackend } from '../src/backend/native.js';
import { predictChunkRows, referenceBackend } from '../src/backend/reference.js';
import { initializeParameters, shorthandPlan } from '../src/build-plan.js';

const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);

/** The peak RSS in MiB of a child process that predicts 30 rows through a 4,000,000-unit layer. */
function peakRssOfWidePredict(backend: string): { peakMiB: number; finite: boolean } {
  const script = `
    import { Network } from './dist/index.js';
    const net = new Network({ layers: [4, 4000000, 1], output: 'sigmoid', backend: ${JSON.stringify(backend)} });
    const x = Float32Array.from({ length: 30 * 4 }, (_, i) => Math.cos(i));
    const out = net.predict(x);
    console.log(JSON.stringify({ peakMiB: process.resourceUsage().maxRSS / 1024, finite: out.every(Number.isFinite) && out.length === 30 }));
  `;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

describe('predict through a very wide layer', () => {
  for (const backend of backends) {
    it(`${backend}: 30 rows through 4,000,000 units peak far below rows x width (before: about a GB on either backend)`, () => {
      // The weights are 24M floats (92 MiB); 30 rows of the 4M-wide layer alone would be 458 MiB, twice that in two buffers.
      const { peakMiB, finite } = peakRssOfWidePredict(backend);
      expect(finite).toBe(true);
      expect(peakMiB).toBeLessThan(600);
    });
  }

  it('js: predict computes fewer rows at a time as its layers widen, with the same bits', () => {
    expect(predictChunkRows(shorthandPlan({ layers: [64, 128, 10] }))).toBe(1024);
    expect(predictChunkRows(shorthandPlan({ layers: [4, 4000000, 1], output: 'sigmoid' }))).toBe(1);
    const plan = shorthandPlan({ layers: [3, 5000, 2] });
    expect(predictChunkRows(plan)).toBe(419); // 2^22 / (5000 + 5000 + 2 + 2)
    const params = new Float32Array(plan.size);
    initializeParameters(params, plan, 1);
    const n = 1000;
    const x = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i));
    const whole = new Float32Array(n * 2);
    referenceBackend.predict(plan, params, x, n, whole);
    const rowByRow = new Float32Array(n * 2);
    for (let r = 0; r < n; r++) referenceBackend.predict(plan, params, x.subarray(r * 3, r * 3 + 3), 1, rowByRow.subarray(r * 2, r * 2 + 2));
    expect(new Uint32Array(rowByRow.buffer)).toEqual(new Uint32Array(whole.buffer));
  });

  describe.runIf(nativeAvailable())('native', () => {
    const addon = nativeAvailable() ? loadNativeAddon() : (undefined as never);

    it('predictChunkRows is a function of the plan: a power of two, 256 for narrow layers, down to 1', () => {
      expect(addon.predictChunkRows(shorthandPlan({ layers: [64, 128, 10] }))).toBe(256);
      // The input is read in place: its width does not count.
      expect(addon.predictChunkRows(shorthandPlan({ layers: [100000, 16, 2] }))).toBe(256);
      expect(addon.predictChunkRows(shorthandPlan({ layers: [3, 65536, 2] }))).toBe(64);
      expect(addon.predictChunkRows(shorthandPlan({ layers: [3, 65537, 2] }))).toBe(32);
      expect(addon.predictChunkRows(shorthandPlan({ layers: [16, 1000000, 1], output: 'sigmoid' }))).toBe(4);
      expect(addon.predictChunkRows(shorthandPlan({ layers: [4, 4000000, 1], output: 'sigmoid' }))).toBe(1);
      expect(() => addon.predictChunkRows({} as never)).toThrow(/predictChunkRows: plan/);
    });

    it('predictAsync cuts its calls in whole chunks of a wide plan, and chunks cut there are the bits of one call', async () => {
      const plan = shorthandPlan({ layers: [3, 65536, 2] });
      const chunk = addon.predictChunkRows(plan);
      expect(nativeBackend.predictAsyncRows(plan) % chunk).toBe(0);
      const params = new Float32Array(plan.size);
      initializeParameters(params, plan, 2);
      const n = 200;
      const x = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i * 0.7));
      const whole = new Float32Array(n * 2);
      nativeBackend.predict(plan, params, x, n, whole);
      const first = await nativeBackend.predictAsync(plan, params, x.subarray(0, chunk * 3), chunk);
      const rest = await nativeBackend.predictAsync(plan, params, x.subarray(chunk * 3), n - chunk);
      expect(new Uint32Array(Float32Array.from([...first, ...rest]).buffer)).toEqual(new Uint32Array(whole.buffer));
    });
  });
});
