/**
 * untilAborted (predict's loop over its input) ends at an abort and keeps
 * nothing it has handed on: a million-row predict held every chunk it had
 * read (peak RSS 370 MiB where 140 had been measured) while the loop raced
 * each read against one promise of the abort.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { untilAborted } from '../src/cli/interrupt.js';

describe('untilAborted', () => {
  it('lets the items it has handed on be collected', () => {
    // A child with --expose-gc: 40 items of 1 MiB, each watched by a WeakRef; at the last, the 39 before it are counted.
    const script = `
      const { untilAborted } = await import(${JSON.stringify(new URL('../dist/cli/interrupt.js', import.meta.url).href)});
      const refs = [];
      async function* items() { for (let i = 0; i < 40; i++) { const item = new Float32Array(1 << 18); refs.push(new WeakRef(item)); yield item; } }
      const controller = new AbortController();
      let seen = 0;
      let alive = -1;
      for await (const item of untilAborted(items(), controller.signal)) {
        seen++;
        // At the last item, while the loop still runs: how many earlier ones are still reachable?
        if (seen === 40) {
          // A turn of the event loop first: a WeakRef keeps its target alive until the current job ends.
          await new Promise((resolve) => setImmediate(resolve));
          globalThis.gc();
          alive = refs.slice(0, 39).filter((r) => r.deref() !== undefined).length;
        }
      }
      process.stdout.write(JSON.stringify({ seen, alive, aborted: controller.signal.aborted }));
    `;
    const out = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const { seen, alive } = JSON.parse(out.stdout);
    expect(seen).toBe(40);
    expect(alive).toBeLessThanOrEqual(1);
  });

  it('ends at once when aborted while the source waits', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<number> {
      yield 1;
      await new Promise(() => {}); // never sends more
    }
    const got: number[] = [];
    setTimeout(() => controller.abort(), 5);
    for await (const item of untilAborted(slow(), controller.signal)) got.push(item);
    expect(got).toEqual([1]);
  });
});
