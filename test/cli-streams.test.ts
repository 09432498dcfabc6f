/** Pipes that close early, Ctrl-C during training and the progress bar on a terminal. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'descent-cli-streams-'));
/** Processes a test starts and waits on: whatever a failed test left waiting (on a FIFO) is not left behind. */
const started: ChildProcess[] = [];
afterAll(() => {
  for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const path = (name: string) => join(dir, name);
const NODE = JSON.stringify(process.execPath);
const DESCENT = `${NODE} ${JSON.stringify(CLI)}`;

function descent(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a bash pipeline in the temp dir; prints descent's exit status (the first command's) on the last line of stderr. */
function pipeline(script: string) {
  const result = spawnSync('bash', ['-c', `${script}; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', cwd: dir });
  const lines = result.stderr.trimEnd().split('\n');
  const status = Number(/^status (\d+)$/.exec(lines.pop()!)![1]);
  return { status, stdout: result.stdout, stderr: lines.join('\n') };
}

beforeAll(() => {
  const rows = ['a,b,c,d'];
  for (let i = 0; i < 20000; i++) rows.push([i % 7, i % 5, (i * 3) % 11, i % 2].join(','));
  writeFileSync(path('rows.csv'), `${rows.join('\n')}\n`);
  const { code, stderr } = descent('train', '--data', 'digits', '--layers', '64,10', '--epochs', '1', '--save', 'digits.model');
  expect(code, stderr).toBe(0);
  // A 4-input model for rows.csv: the digits' layers are checked against the data, so train on a CSV of 4 features.
  writeFileSync(path('train4.csv'), `${rows.slice(0, 200).map((row, i) => (i === 0 ? `${row},label` : `${row},${i % 3}`)).join('\n')}\n`);
  const four = descent('train', '--data', 'train4.csv', '--layers', '4,3', '--epochs', '1', '--save', 'four.model');
  expect(four.code, four.stderr).toBe(0);
});

describe('a reader that goes away', () => {
  it('train --json | head -c 1 ends cleanly, exit 0, no stack', () => {
    const { status, stdout, stderr } = pipeline(`${DESCENT} train --data digits --epochs 2 --json 2>err.txt | head -c 1`);
    expect(status).toBe(0);
    expect(stdout).toBe('{');
    expect(stderr).toBe('');
    expect(readFileSync(path('err.txt'), 'utf8')).not.toMatch(/Error|\n\s+at /);
  });

  it('predict | head -1 stops at the closed pipe: exit 0, nothing on stderr', () => {
    const { status, stdout, stderr } = pipeline(`${DESCENT} predict --model four.model --input rows.csv | head -1`);
    expect(stdout).toBe('label,0,1,2\n');
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });

  it('a closed stderr stops the progress, not the run: the model is still saved', () => {
    rmSync(path('quiet.model'), { force: true });
    const { status, stdout } = pipeline(`${DESCENT} train --data digits --layers 64,32,10 --epochs 60 --backend js --save quiet.model 2>&1 >/dev/null | head -c 5`);
    expect(stdout).toBe('epoch');
    expect(status).toBe(0);
    expect(existsSync(path('quiet.model'))).toBe(true);
  });
});

/** Starts training, sends the signal (SIGINT: Ctrl-C) once `ready` matches stderr, resolves with the exit code and stderr. */
function interrupt(args: string[], ready: RegExp, signal: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && ready.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const tempFiles = () => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

describe('Ctrl-C', () => {
  it('stops training between batches with exit 130, names the checkpoint to resume from, and --resume continues it', async () => {
    const flags = ['--data', 'digits', '--layers', '64,32,10', '--backend', 'js', '--checkpoint', 'run.ckpt', '--log', 'run.jsonl'];
    const { code, stderr } = await interrupt(['train', ...flags, '--epochs', '100000', '--save', 'never.model'], /epoch 3\/100000/);
    expect(code).toBe(130);
    const last = stderr.trimEnd().split('\n').pop()!;
    const match = /^descent: interrupted in epoch (\d+) of 100000; run.ckpt holds epoch (\d+): continue with --resume run.ckpt and the same flags$/.exec(last);
    expect(match, last).not.toBeNull();
    const saved = Number(match![2]);
    expect(Number(match![1])).toBe(saved + 1);
    expect(existsSync(path('never.model'))).toBe(false);
    const info = JSON.parse(descent('info', '--model', 'run.ckpt', '--json').stdout);
    expect(info.checkpoint).toEqual({ epoch: saved, epochs: 100000 });

    const resumed = descent('train', ...flags, '--epochs', String(saved + 2), '--resume', 'run.ckpt', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ resumedAfter: saved, epochs: saved + 2 });
    expect(resumed.stderr).toMatch(new RegExp(`^epoch ${saved + 1}/${saved + 2} `));
    const epochs = readFileSync(path('run.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).epoch);
    // One line per epoch: those logged after the checkpoint, before the interrupt, were dropped.
    expect(epochs).toEqual(Array.from({ length: saved + 2 }, (_, i) => i + 1));
  });

  it('without --checkpoint says how a run could be continued', async () => {
    const { code, stderr } = await interrupt(['train', '--data', 'digits', '--layers', '64,32,10', '--backend', 'js', '--epochs', '100000'], /epoch 2\//);
    expect(code).toBe(130);
    expect(stderr.trimEnd().split('\n').pop()).toMatch(/^descent: interrupted in epoch \d+ of 100000 \(with --checkpoint FILE a run can be continued\)$/);
  });
});

describe('SIGTERM and SIGHUP (docker stop, Kubernetes, a closed terminal), as Ctrl-C', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal} stops train --checkpoint between batches: exit ${code}, the checkpoint whole and named, no temp file`, async () => {
      const checkpoint = `${signal}.ckpt`;
      const flags = ['--data', 'digits', '--layers', '64,32,10', '--backend', 'js', '--checkpoint', checkpoint, '--epochs', '100000'];
      const { code: exit, stderr } = await interrupt(['train', ...flags, '--save', `${signal}.model`], /epoch 3\/100000/, signal);
      expect(exit, stderr).toBe(code);
      const last = stderr.trimEnd().split('\n').pop()!;
      const match = new RegExp(`^descent: interrupted by ${signal} in epoch (\\d+) of 100000; ${checkpoint} holds epoch (\\d+): continue with --resume ${checkpoint} and the same flags$`).exec(last);
      expect(match, last).not.toBeNull();
      expect(existsSync(path(`${signal}.model`))).toBe(false);
      expect(tempFiles()).toEqual([]);
      const info = JSON.parse(descent('info', '--model', checkpoint, '--json').stdout);
      expect(info.checkpoint).toEqual({ epoch: Number(match![2]), epochs: 100000 });
    });

    it(`${signal} stops predict --output while it waits for input: exit ${code}, the old output as it was, no temp file`, async () => {
      const output = `${signal}-predictions.csv`;
      writeFileSync(path(output), 'the old predictions\n');
      // Rows come from a FIFO whose writer (a sleep) never sends any: predict waits on it with its temp file open.
      const fifo = path(`${signal}.fifo`);
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const writer = spawn('sh', ['-c', 'exec sleep 600 > "$0"', fifo], { stdio: 'ignore' });
      const child = spawn(process.execPath, [CLI, 'predict', '--model', 'four.model', '--input', fifo, '--output', output], { cwd: dir });
      started.push(writer, child);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // The status a shell reports: a blocked read of the FIFO holds the process, which then ends by the signal itself.
      let exit: number | undefined;
      const closed = new Promise<number>((resolve) => child.on('close', (status, by) => resolve((exit = status ?? 128 + constants.signals[by!]))));
      while (exit === undefined && !tempFiles().some((name) => name.startsWith(`.${output}.${child.pid}.`))) await new Promise((resolve) => setTimeout(resolve, 10));
      child.kill(signal);
      const status = await closed;
      writer.kill();
      expect(status, stderr).toBe(code);
      expect(stderr).toBe(`descent: interrupted by ${signal} after 0 rows; ${output} left as it was\n`);
      expect(readFileSync(path(output), 'utf8')).toBe('the old predictions\n');
      expect(tempFiles()).toEqual([]);
    });
  }
});

describe('a signal while descent waits on a pipe that sends nothing', () => {
  /** A FIFO whose writer holds it open and sends nothing; resolves once a reader (descent) has opened it. */
  async function silentFifo(name: string): Promise<{ fifo: string; writer: ChildProcess }> {
    const fifo = path(name);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', 'exec 3>"$0"; echo opened; exec sleep 600', fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(writer);
    await new Promise<void>((resolve) => writer.stdout!.on('data', () => resolve()));
    return { fifo, writer };
  }

  /** Runs descent with args, sends the signal once it reads the FIFO; resolves with the status a shell reports and stderr. */
  async function stopWhileReading(args: (fifo: string) => string[], signal: NodeJS.Signals) {
    const name = `${signal}-${args('x')[0]}.fifo`;
    const fifo = path(name);
    const child = spawn(process.execPath, [CLI, ...args(fifo)], { cwd: dir });
    started.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number>((resolve) => child.on('close', (status, by) => resolve(status ?? 128 + constants.signals[by!])));
    const { writer } = await silentFifo(name);
    child.kill(signal);
    const status = await closed;
    writer.kill();
    return { status, stderr };
  }

  it('train reading its --data: SIGHUP stops it at once, exit 129', async () => {
    const { status, stderr } = await stopWhileReading((fifo) => ['train', '--data', fifo, '--epochs', '1'], 'SIGHUP');
    expect(stderr).toBe(`descent: interrupted by SIGHUP while reading --data ${path('SIGHUP-train.fifo')}\n`);
    expect(status).toBe(129);
  });

  it('doctor: SIGTERM stops it at once, exit 143', async () => {
    const { status, stderr } = await stopWhileReading((fifo) => ['doctor', '--data', fifo], 'SIGTERM');
    expect(stderr).toBe(`descent: interrupted by SIGTERM during the diagnosis of --data ${path('SIGTERM-doctor.fifo')}\n`);
    expect(status).toBe(143);
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('on a terminal', () => {
  it.skipIf(!hasScript)('draws a bar with the epoch, loss, accuracy, samples/s and ETA', () => {
    const { status, stdout } = pipeline(`script -qfec ${JSON.stringify(`${DESCENT} train --data digits --epochs 3 --backend js`)} /dev/null | cat`);
    expect(status).toBe(0);
    expect(stdout).toMatch(/epoch 3\/3 \[[^\]]+\] loss \d\.\d{4} \| acc \d\.\d{4} \| \d+ samples\/s \| eta \d+s/);
    expect(stdout).not.toMatch(/epoch 1\/3 \| loss/);
  });
});
