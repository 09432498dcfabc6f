/**
 * Checkpoints survive a crash and resume exactly: 10 epochs straight, and
 * 5 + (process killed by a signal) + the rest resumed from the checkpoint,
 * give bit-identical weights on the same thread count.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';
import { loadDigits } from '../src/data/digits.js';
import { trainTestSplit } from '../src/data/split.js';
import { Network, type NetworkOptions } from '../src/network.js';
import type { FitOptions } from '../src/train/options.js';
import { decodeModel, encodeModel } from '../src/io/model-file.js';
import type { JsonObject } from '../src/io/model-header.js';

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

describe('a checkpoint whose checksum is right but whose fields are not', () => {
  const data = loadDigits();
  const RUN: FitOptions = { epochs: 2, batchSize: 64, validation: 0.1, earlyStopping: { patience: 50 } };
  const good = path.join(dir, 'fields.descent');
  const size = new Network({ ...NET, backend: 'js' }).plan.size;
  const nanParams = Buffer.from(new Float32Array(size).fill(NaN).buffer).toString('base64');

  /** [where, the new value, the field the message must name (default: where)]; NaN is not JSON, so null stands in for it. */
  const DAMAGE: [string, unknown, string?][] = [
    ['epoch', '2'], ['epoch', -1], ['epoch', 1.5], ['epoch', 7],
    ['epochs', null], ['epochs', 0],
    ['rng', 'abc'], ['rng', [1, 2, 3]], ['rng', [0, 0, 0, 0]], ['rng', [1, 2, 3, 'x']], ['rng', [1, 2, 3, 2 ** 32]], ['rng', [1, 2, 3, 4, null]],
    ['settings', null], ['settings', []], ['settings', 'fast'],
    ['history', 'x'], ['history', {}], ['history', []],
    ['history.0', null], ['history.0', 5],
    ['history.0.epoch', 3], ['history.0.lr', 'x'], ['history.0.lr', -1], ['history.0.loss', null], ['history.0.loss', -1],
    ['history.0.seconds', '1s'], ['history.0.accuracy', 2], ['history.0.valLoss', 'low'], ['history.0.valAccuracy', -0.5],
    ['earlyStopping', 'x'], ['earlyStopping', null], ['earlyStopping', []],
    ['earlyStopping.bestEpoch', '1'], ['earlyStopping.bestEpoch', 5], ['earlyStopping.bestEpoch', -1],
    ['earlyStopping.bestValue', 'x'], ['earlyStopping.bestValue', null],
    ['earlyStopping.bestParams', nanParams], ['earlyStopping.bestParams', 'AAAAAA=='], ['earlyStopping.bestParams', 'not base64!'], ['earlyStopping.bestParams', 123],
  ];

  function damaged(where: string, value: unknown): string {
    const parts = decodeModel(readFileSync(good), good);
    const checkpoint = structuredClone(parts.checkpoint!) as JsonObject;
    const keys = where.split('.');
    let holder = checkpoint as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) holder = holder[key] as Record<string, unknown>;
    holder[keys[keys.length - 1]] = value;
    // encodeModel signs what it is given: the checksum is right, the contents are not.
    const file = path.join(dir, `damaged-${where}-${JSON.stringify(value).slice(0, 12).replace(/[^\w-]/g, '_')}.descent`);
    writeFileSync(file, encodeModel({ ...parts, checkpoint }));
    return file;
  }

  it('each damaged field is refused, naming the file and the field, and the network is left as it was', async () => {
    await new Network({ ...NET, backend: 'js' }).fit(data, { ...RUN, checkpoint: { path: good } });
    const written = decodeModel(readFileSync(good), good).checkpoint as { earlyStopping: { bestParams: unknown }; history: unknown[] };
    expect(typeof written.earlyStopping.bestParams).toBe('string');
    expect(written.history).toHaveLength(2);
    const failures: string[] = [];
    for (const [where, value, named = where.replace(/\.(\d+)/g, '[$1]')] of DAMAGE) {
      const file = damaged(where, value);
      const net = new Network({ ...NET, backend: 'js' });
      net.params.fill(0.5);
      const error = await net.fit(data, { ...RUN, resume: file }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      const field = named.replace(/[.[\]]/g, (c) => `\\${c}`);
      const pattern = new RegExp(`^options\\.resume: .*damaged-.*\\.descent has a bad checkpoint: checkpoint\\.${field} must be .*, received `);
      const shown = `${where} = ${JSON.stringify(value).slice(0, 40)}`;
      if (error === null) failures.push(`${shown}: fit resolved`);
      else if (!pattern.test(error.message) || error.name !== 'ModelFileError') failures.push(`${shown}: ${error.name}: ${error.message.slice(0, 300)}`);
      else if (!net.params.every((v) => v === 0.5)) failures.push(`${where}: the network's weights changed`);
    }
    expect(failures).toEqual([]);
  });

  it('the undamaged checkpoint resumes', async () => {
    await expect(new Network({ ...NET, backend: 'js' }).fit(data, { ...RUN, epochs: 3, resume: good })).resolves.toMatchObject({ stoppedEarly: false });
  });
});
