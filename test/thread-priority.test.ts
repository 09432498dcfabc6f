/**
 * The threads that train and predict in the background run below the JS
 * thread's priority (nice + 5 on Linux), so that a fit on every core
 * leaves the event loop a core whenever it has work; the JS thread and
 * libuv's threads keep theirs. Read from /proc while the work runs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';
import { Network } from '../src/index.js';

interface ThreadInfo {
  tid: number;
  name: string;
  nice: number;
}

/** This process's threads, with their names and nice values (/proc/self/task/<tid>/stat field 19). */
function threads(): ThreadInfo[] {
  const out: ThreadInfo[] = [];
  for (const entry of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is field 3 (state); nice is field 19.
      out.push({ tid: Number(entry), name, nice: Number(fields[16]) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Every (name, nice) seen among this process's threads while work runs, sampled every 2 ms. */
async function seenWhile(work: () => Promise<unknown>): Promise<Map<string, Set<number>>> {
  const seen = new Map<string, Set<number>>();
  const sample = (): void => {
    for (const t of threads()) {
      if (!seen.has(t.name)) seen.set(t.name, new Set());
      seen.get(t.name)!.add(t.nice);
    }
  };
  const timer = setInterval(sample, 2);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  sample();
  return seen;
}

function rows(n: number, features: number): Float32Array {
  const x = new Float32Array(n * features);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
  return x;
}

describe.runIf(process.platform === 'linux' && nativeAvailable())('background threads run below the JS thread', () => {
  const main = (): ThreadInfo => threads().find((t) => t.tid === process.pid)!;

  it('a native fit on two threads: its epoch and step threads at nice + 5, the JS thread and libuv threads unchanged', async () => {
    const before = main().nice;
    const n = 4096;
    const features = 256;
    const y = Int32Array.from({ length: n }, (_, i) => i % 10);
    const net = new Network({ layers: [features, 512, 512, 10], backend: 'native', seed: 1 });
    const seen = await seenWhile(() => net.fit({ x: rows(n, features), y, n, features, classes: 10 }, { epochs: 6, batchSize: 256, threads: 2 }));
    expect([...(seen.get('descent-epoch') ?? [])]).toEqual([Math.min(19, before + 5)]);
    expect([...(seen.get('descent-step') ?? [])]).toEqual([Math.min(19, before + 5)]);
    expect(main().nice).toBe(before);
    // No other thread of the process (libuv's pool among them) was lowered.
    for (const [name, nices] of seen) {
      if (name.startsWith('descent-')) continue;
      expect({ name, nices: [...nices] }).toEqual({ name, nices: [before] });
    }
  });

  it('predictAsync: its threads at nice + 5, the JS thread and libuv threads unchanged', async () => {
    const before = main().nice;
    const net = new Network({ layers: [784, 1024, 1024, 10], backend: 'native', seed: 2 });
    const x = rows(20_000, 784);
    const seen = await seenWhile(() => net.predictAsync(x));
    expect([...(seen.get('descent-predict') ?? [])]).toEqual([Math.min(19, before + 5)]);
    for (const [name, nices] of seen) {
      if (name.startsWith('descent-')) continue;
      expect({ name, nices: [...nices] }).toEqual({ name, nices: [before] });
    }
    expect(main().nice).toBe(before);
  });
});

/** The nice values the descent-epoch threads of a fit had in a child process with env. */
function childEpochNices(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script = `
    import { readFileSync, readdirSync } from 'node:fs';
    const { Network } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const seen = new Set();
    const timer = setInterval(() => {
      for (const tid of readdirSync('/proc/self/task')) {
        try {
          const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
          if (stat.includes('(descent-epoch)')) seen.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
        } catch {}
      }
    }, 2);
    const n = 2048, x = new Float32Array(n * 256).map((_, i) => Math.sin(i)), y = Int32Array.from({ length: n }, (_, i) => i % 10);
    await new Network({ layers: [256, 512, 10], backend: 'native' }).fit({ x, y, n, features: 256, classes: 10 }, { epochs: 8 });
    clearInterval(timer);
    process.stdout.write(JSON.stringify([...seen]));
  `;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: fileURLToPath(new URL('..', import.meta.url)) });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe.runIf(process.platform === 'linux' && nativeAvailable())('DESCENT_BACKGROUND_NICE', () => {
  const base = (): number => Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[16]);

  it('sets how far below the process the threads run: 0 keeps them level with it, 12 lowers them by 12', () => {
    for (const [value, offset] of [['0', 0], ['12', 12]] as const) {
      const out = childEpochNices({ DESCENT_BACKGROUND_NICE: value });
      expect(out.status, out.stderr).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual([Math.min(19, base() + offset)]);
    }
  });

  it('a value that is not an integer from 0 to 19 is refused by name', () => {
    const out = childEpochNices({ DESCENT_BACKGROUND_NICE: 'high' });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('DESCENT_BACKGROUND_NICE must be an integer from 0 to 19 (how far below the process\'s priority its threads run), received "high"');
  });
});
