/**
 * The temp files of atomic writes (`.NAME.PID.HEX.tmp` beside NAME): a
 * writer killed mid-write (kill -9, a terminated worker thread) leaves its
 * temp behind, and the next write of NAME removes it; a temp a live writer
 * may still be writing is never removed; process.exit mid-write takes its
 * temps along.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { STALE_UNOPENED_MS } from '../src/io/temp-files.js';
import { Network } from '../src/network.js';

const dir = mkdtempSync(path.join(tmpdir(), 'descent-temp-files-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const ATOMIC_WRITE = pathToFileURL(fileURLToPath(new URL('../dist/io/atomic-write.js', import.meta.url))).href;
const net = new Network({ layers: [20, 30, 4], backend: 'js', seed: 2 });

/** A folder of its own with an old model file in it. */
async function folder(name: string): Promise<{ sub: string; model: string }> {
  const sub = path.join(dir, name);
  mkdirSync(sub);
  const model = path.join(sub, 'model.descent');
  await new Network({ layers: [20, 30, 4], backend: 'js', seed: 9 }).save(model);
  return { sub, model };
}

const tempsIn = (sub: string) => readdirSync(sub).filter((name) => name.endsWith('.tmp'));

/**
 * Code that starts an atomic write of 1 MB to `model` and stops halfway:
 * the temp file exists, half written, when it reports "writing".
 */
const stuckWrite = (model: string, report: string) => `
  const { writeFileAtomic } = await import(${JSON.stringify(ATOMIC_WRITE)});
  setInterval(() => {}, 1000);
  await writeFileAtomic(${JSON.stringify(model)}, new Uint8Array(1 << 20).fill(7), {
    write: async (handle, bytes) => {
      await handle.write(bytes, 0, bytes.length >> 1);
      ${report};
      await new Promise(() => {});
    },
  });
`;

/** A child process running `code` (an ES module); resolves once it prints `line`. */
function child(code: string, line: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stderr!.on('data', (chunk) => (err += chunk));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes(`${line}\n`)) resolve(proc);
    });
    proc.on('exit', (code, signal) => reject(new Error(`the child ended (${code ?? signal}) before "${line}": ${out} ${err}`)));
  });
}

const exited = (proc: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.on('exit', (code, signal) => resolve({ code, signal }));
  });

/** Sets a file's modification time this many ms in the past (negative: the future). */
function age(file: string, ms: number): void {
  const when = new Date(Date.now() - ms);
  utimesSync(file, when, when);
}

describe('a writer killed mid-write', () => {
  it('by SIGKILL leaves its temp and the old file whole; the next save removes the temp', async () => {
    const { sub, model } = await folder('sigkill');
    const old = readFileSync(model);
    const proc = await child(stuckWrite(model, "process.stdout.write('writing\\n')"), 'writing');
    expect(tempsIn(sub)).toEqual([expect.stringMatching(new RegExp(`^\\.model\\.descent\\.${proc.pid}\\.[0-9a-f]{12}\\.tmp$`))]);
    proc.kill('SIGKILL');
    expect(await exited(proc)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(tempsIn(sub)).toHaveLength(1);
    expect(readFileSync(model).equals(old)).toBe(true);

    await net.save(model);
    expect(readdirSync(sub)).toEqual(['model.descent']);
    expect((await Network.load(model, { backend: 'js' })).params).toEqual(net.params);
  });

  it('in a worker thread that is terminated leaves its temp; a later save of this process removes it', async () => {
    const { sub, model } = await folder('worker');
    const worker = new Worker(
      `(async () => { const { parentPort } = await import('node:worker_threads'); ${stuckWrite(model, "parentPort.postMessage('writing')")} })();`,
      { eval: true },
    );
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    const [temp] = tempsIn(sub);
    expect(temp).toMatch(new RegExp(`^\\.model\\.descent\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    await worker.terminate();

    // Its process (this one) lives on; a temp nobody holds open goes once it has not changed for a while.
    age(path.join(sub, temp), -60_000);
    await net.save(model);
    expect(tempsIn(sub)).toEqual([temp]);
    age(path.join(sub, temp), STALE_UNOPENED_MS + 60_000);
    await net.save(model);
    expect(readdirSync(sub)).toEqual(['model.descent']);
  });

  it('by process.exit() mid-write (a second Ctrl-C) takes its temp along', async () => {
    const { sub, model } = await folder('exit');
    const proc = await child(stuckWrite(model, "process.stdout.write('writing\\n'); setTimeout(() => process.exit(3), 0)"), 'writing');
    expect(await exited(proc)).toEqual({ code: 3, signal: null });
    expect(readdirSync(sub)).toEqual(['model.descent']);
  });
});

describe('temps that are kept', () => {
  it('of a live writer: open in a live process, however old, and those of other names', async () => {
    const { sub, model } = await folder('live');
    // A live process holding its temp open (as a writer does from the moment it creates it), last changed long ago.
    const holder = await child(
      `
        import { openSync, utimesSync, writeFileSync } from 'node:fs';
        const temp = ${JSON.stringify(sub)} + '/.model.descent.' + process.pid + '.0123456789ab.tmp';
        writeFileSync(temp, 'half');
        openSync(temp, 'r');
        utimesSync(temp, new Date(0), new Date(0));
        setInterval(() => {}, 1000);
        process.stdout.write('holding\\n');
      `,
      'holding',
    );
    const held = `.model.descent.${holder.pid}.0123456789ab.tmp`;
    const others = ['.other.descent.4194305.0123456789ab.tmp', '.model.descent.x.0123456789ab.tmp', '.model.descent.4194305.tmp', 'model.descent.4194305.0123456789ab.tmp'];
    for (const name of others) writeFileSync(path.join(sub, name), 'not ours');
    await net.save(model);
    expect(readdirSync(sub).sort()).toEqual([held, 'model.descent', ...others].sort());

    holder.kill('SIGKILL');
    await exited(holder);
    await net.save(model);
    expect(readdirSync(sub).sort()).toEqual(['model.descent', ...others].sort());
  });

  it('of a process that is gone: removed at once; of a live one not holding it: only once unchanged for a while, and only where its descriptors can be read', async () => {
    const { sub, model } = await folder('pids');
    // No process has a pid above the kernel's pid_max.
    const deadPid = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    const dead = `.model.descent.${deadPid}.00000000000a.tmp`;
    const ofInit = `.model.descent.1.00000000000b.tmp`;
    const ofInitFresh = `.model.descent.1.00000000000c.tmp`;
    for (const name of [dead, ofInit, ofInitFresh]) writeFileSync(path.join(sub, name), 'left');
    age(path.join(sub, dead), -60_000);
    age(path.join(sub, ofInit), STALE_UNOPENED_MS + 60_000);
    age(path.join(sub, ofInitFresh), -60_000);
    await writeFileAtomic(model, Buffer.from('new'));
    // pid 1 is alive; only root may read its descriptors (to see it does not hold the temp).
    const canReadInit = process.getuid?.() === 0;
    expect(readdirSync(sub).sort()).toEqual([...(canReadInit ? [] : [ofInit]), ofInitFresh, 'model.descent'].sort());
  });
});
