/**
 * Many networks at once: fits in several worker_threads and in the main
 * thread run together, each ending with the weights it gets alone, and
 * they share the process's CPUs (the native ThreadLease) instead of each
 * taking them all.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const index = JSON.stringify(`${root}/dist/index.js`);

// One fit, as a module body shared by the main thread and the workers:
// a 784-256-10 network whose step is big enough to want every CPU.
const FIT = `
  import { createHash } from 'node:crypto';
  import { Network } from ${index};
  export async function fitOnce(seed) {
    const n = 1024, f = 784;
    const x = new Float32Array(n * f).map((_, i) => Math.sin(i * 0.37 + seed));
    const y = new Int32Array(n).map((_, i) => (i * 7 + seed) % 10);
    const net = new Network({ layers: [f, 256, 10], seed, backend: 'native' });
    await net.fit({ x, y, n, features: f, classes: 10 }, { epochs: 2, batchSize: 256, validation: 0.1 });
    return createHash('sha256').update(new Uint8Array(net.params.buffer)).digest('hex');
  }
`;

describe.runIf(nativeAvailable())('concurrent fits', () => {
  it('8 fits at once (4 worker threads, 4 on the main thread) give the weights each gives alone, on a shared CPU budget', { timeout: 120_000 }, () => {
    const script = `
      import { Worker } from 'node:worker_threads';
      import { writeFileSync, mkdtempSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      import { loadNativeAddon } from ${JSON.stringify(`${root}/dist/backend/native.js`)};
      const dir = mkdtempSync(join(tmpdir(), 'descent-concurrent-'));
      const fitModule = join(dir, 'fit.mjs');
      writeFileSync(fitModule, ${JSON.stringify(FIT)});
      const { fitOnce } = await import(fitModule);
      // The addon the fits use (DESCENT_NATIVE_PATH under npm run test:sanitize), whose leases they take.
      const addon = loadNativeAddon();
      const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
      const alone = [];
      for (const seed of seeds) alone.push(await fitOnce(seed));
      const extraAlone = addon.threadLeases().peakExtra;
      const inWorker = (seed) => new Promise((resolve, reject) => {
        const worker = new Worker(\`
          import { parentPort, workerData } from 'node:worker_threads';
          const { fitOnce } = await import(workerData.fitModule);
          parentPort.postMessage(await fitOnce(workerData.seed));
        \`, { eval: true, workerData: { fitModule, seed } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const together = await Promise.all(seeds.map((seed, i) => (i % 2 === 0 ? inWorker(seed) : fitOnce(seed))));
      console.log(JSON.stringify({ alone, together, extraAlone, ...addon.threadLeases(), cpus: addon.availableCpus() }));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 110_000 });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report.together).toEqual(report.alone);
    expect(new Set(report.alone).size).toBe(8);
    // Alone, a fit leases what its step is worth: more than one thread ...
    if (report.cpus >= 2) expect(report.extraAlone).toBeGreaterThan(0);
    // ... together, the fits beyond the CPUs get one thread each (their
    // caller's): never more than CPUs - 1 threads beyond one per fit,
    // where 8 fits each taking every CPU would hold 8 x (CPUs - 1).
    expect(report.peakExtra).toBeLessThanOrEqual(report.cpus - 1);
    // Every lease is returned when the fits end.
    expect(report).toMatchObject({ leases: 0, threads: 0 });
  });
});
