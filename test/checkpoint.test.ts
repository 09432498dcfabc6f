/**
 * Checkpoints survive a crash and resume exactly: 10 epochs straight, and
 * 5 + (process killed by a signal) + the rest resumed from the checkpoint,
 * give bit-identical weights on the same thread count.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';
import { loadDigits } from '../src/data/digits.js';
import { trainTestSplit } from '../src/data/split.js';
import { Network, type NetworkOptions } from '../src/network.js';
import type { FitOptions } from '../src/train/options.js';

const dir = mkdtempSync(path.join(tmpdir(), 'descent-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NET: NetworkOptions = { layers: [64, 48, 10], activation: 'gelu', dropout: 0.1, seed: 3 };
const FIT: FitOptions = { epochs: 10, batchSize: 32, validation: 0.1, earlyStopping: { patience: 50 } };
const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);

describe('checkpoints', () => {
  for (const backend of backends) {
    it(`${backend}: a run stopped after 5 of 10 epochs and resumed equals 10 straight, bit for bit`, async () => {
      const data = loadDigits();
      const straight = new Network({ ...NET, backend });
      const straightHistory = await straight.fit(data, FIT);

      const file = path.join(dir, `half-${backend}.descent`);
      const first = new Network({ ...NET, backend });
      const controller = new AbortController();
      const stopAfter5 = (log: { epoch: number }) => (log.epoch === 5 ? controller.abort() : undefined);
      await expect(first.fit(data, { ...FIT, checkpoint: { path: file }, signal: controller.signal, onEpochEnd: stopAfter5 })).rejects.toThrow();
      const second = new Network({ ...NET, backend });
      second.params.fill(0.5); // replaced by the checkpoint's
      const resumedHistory = await second.fit(data, { ...FIT, resume: file });

      expect(new Uint32Array(second.params.buffer)).toEqual(new Uint32Array(straight.params.buffer));
      expect(second.optimizerState!.step).toBe(straight.optimizerState!.step);
      expect(resumedHistory.epochs.map((e) => e.loss)).toEqual(straightHistory.epochs.map((e) => e.loss));
    });
  }

  it('a process killed by SIGKILL mid-run resumes from its last checkpoint to the same weights', { timeout: 120_000 }, async () => {
    const backend = backends[backends.length - 1];
    const file = path.join(dir, 'killed.descent');
    const root = fileURLToPath(new URL('..', import.meta.url));
    // The child trains slowly enough to be killed mid-run: many epochs, checkpoint after each.
    const script = `
      import { Network, loadDigits } from './dist/index.js';
      const net = new Network(${JSON.stringify({ ...NET, backend })});
      await net.fit(loadDigits(), { ...${JSON.stringify(FIT)}, epochs: 40, checkpoint: { path: ${JSON.stringify(file)} },
        onEpochEnd: (log) => { process.stdout.write('epoch ' + log.epoch + '\\n'); } });
      process.stdout.write('finished\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (/epoch 7\n/.test(output)) resolve();
      });
      child.on('exit', () => reject(new Error(`the child ended before epoch 7: ${output} ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exit).toBe('SIGKILL');
    expect(output).not.toMatch(/finished/);
    // The checkpoint on disk is whole (written atomically); at most a temp file is left beside it.
    expect(existsSync(file)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.startsWith('killed.descent') && name !== 'killed.descent').length).toBeLessThanOrEqual(1);

    const data = loadDigits();
    const resumed = new Network({ ...NET, backend });
    await resumed.fit(data, { ...FIT, epochs: 40, resume: file });
    const straight = new Network({ ...NET, backend });
    await straight.fit(data, { ...FIT, epochs: 40 });
    expect(new Uint32Array(resumed.params.buffer)).toEqual(new Uint32Array(straight.params.buffer));
  });

  it('refuses a checkpoint of another network, other settings, or a plain model file, naming which', async () => {
    const data = loadDigits();
    const file = path.join(dir, 'refused.descent');
    const ONE = { ...FIT, epochs: 1 };
    await new Network({ ...NET, backend: 'js' }).fit(data, { ...ONE, checkpoint: { path: file } });
    await expect(new Network({ layers: [64, 32, 10], backend: 'js' }).fit(data, { ...ONE, resume: file })).rejects.toThrow(
      /options.resume: .*refused.descent is a checkpoint of a different network: layers 64-48-10 \(.* parameters\) there, 64-32-10 \(.* parameters\) here/,
    );
    await expect(new Network({ ...NET, dropout: 0.2, backend: 'js' }).fit(data, { ...ONE, resume: file })).rejects.toThrow(
      /a different network: plan.layers\[2\] is \{"kind":"dropout","rate":0.1\} there, \{"kind":"dropout","rate":0.2\} here/,
    );
    await expect(new Network({ ...NET, backend: 'js' }).fit(data, { ...ONE, lr: 0.01, resume: file })).rejects.toThrow(
      /options.resume: .*was trained with options.lr 0.002, this fit has 0.01: resume with the same settings/,
    );
    const fewer = trainTestSplit(data, { testFraction: 0.5, seed: 1 }).train;
    await expect(new Network({ ...NET, backend: 'js' }).fit(fewer, { ...ONE, resume: file })).rejects.toThrow(
      /was trained with training rows "1618 rows x 64, sha256 [0-9a-f]{16}", this fit has "\d+ rows x 64, sha256 [0-9a-f]{16}": resume with the same settings and data/,
    );
    const plain = path.join(dir, 'plain.descent');
    await new Network({ ...NET, backend: 'js' }).save(plain);
    await expect(new Network({ ...NET, backend: 'js' }).fit(data, { ...FIT, resume: plain })).rejects.toThrow(/is a model file but not a checkpoint of fit/);
    await expect(new Network({ ...NET, backend: 'js' }).fit(data, { ...FIT, resume: path.join(dir, 'none.descent') })).rejects.toThrow(/file not found/);
    await expect(new Network({ ...NET, backend: 'js' }).fit(data, { checkpoint: { path: '' } })).rejects.toThrow(
      /options.checkpoint.path must be a file path/,
    );
  });
});
