/**
 * A long-lived program that makes, trains and drops networks does not
 * grow: RSS after 1,000 create / fit / evaluate / drop cycles on the native
 * backend stays within 20 MB of RSS after the first 100.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe.runIf(nativeAvailable())('many networks in one process', () => {
  it('1,000 create / fit / drop cycles: RSS within 20 MB of after the first 100', { timeout: 120_000 }, () => {
    const script = `
      import { Network } from './dist/index.js';
      const n = 256, f = 32;
      const data = { x: new Float32Array(n * f).map((_, i) => Math.sin(i)), y: new Int32Array(n).map((_, i) => i % 4), n, features: f, classes: 4 };
      const settle = async () => { global.gc(); await new Promise((r) => setTimeout(r, 50)); global.gc(); return process.memoryUsage().rss; };
      let at100 = 0;
      for (let i = 1; i <= 1000; i++) {
        const net = new Network({ layers: [f, 64, 4], dropout: 0.1, backend: 'native', seed: i });
        await net.fit(data, { epochs: 2, batchSize: 32, validation: 0.25 });
        net.evaluate(data);
        if (i === 100) at100 = await settle();
      }
      console.log(JSON.stringify({ at100, at1000: await settle() }));
    `;
    const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const { at100, at1000 } = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect((at1000 - at100) / 2 ** 20).toBeLessThan(20);
  });
});
