/**
 * descent inside worker_threads: terminating a worker whose native fit is
 * running ends that worker only; the process and its other work go on.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe.runIf(nativeAvailable())('worker threads', () => {
  it('worker.terminate() during a native fit ends the worker, not the process', { timeout: 60_000 }, () => {
    const script = `
      import { Worker } from 'node:worker_threads';
      const worker = new Worker(\`
        import { parentPort } from 'node:worker_threads';
        import { Network } from ${JSON.stringify(`${root}/dist/index.js`)};
        const n = 8000, f = 256;
        const x = new Float32Array(n * f).map((_, i) => Math.sin(i));
        const y = new Int32Array(n).map((_, i) => i % 10);
        const net = new Network({ layers: [f, 512, 512, 10], backend: 'native' });
        parentPort.postMessage('training');
        await net.fit({ x, y, n, features: f, classes: 10 }, { epochs: 1000, batchSize: 64 });
      \`, { eval: true });
      worker.on('message', () => setTimeout(async () => {
        const code = await worker.terminate();
        setTimeout(() => console.log(JSON.stringify({ code, alive: true })), 200);
      }, 300));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 50_000 });
    expect(result.signal, result.stderr).toBeNull();
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ code: 1, alive: true });
  });
});
