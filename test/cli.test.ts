import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDigits } from '../src/data/digits.js';
import { trainTestSplit } from '../src/data/split.js';
import { repeatCommand, type TrainSettings } from '../src/cli/train/summary.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'descent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function descent(...args: string[]) {
  return descentWith({}, ...args);
}

function descentWith(env: Record<string, string>, ...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm test (it builds first) or npm run build:ts`);
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** stderr is exactly one line, "descent: ..." */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^descent: /);
  return lines[0];
}

describe('descent train', () => {
  it('--threads 1, 2 and 3 give the same test loss to the last digit (native)', () => {
    const losses = [1, 2, 3].map((threads) => {
      const args = ['train', '--data', 'digits', '--layers', '64,256,128,10', '--batch-size', '512', '--epochs', '20'];
      const { code, stdout, stderr } = descent(...args, '--threads', String(threads), '--backend', 'native', '--json');
      expect(code, stderr).toBe(0);
      return lastJsonLine(stdout).testLoss;
    });
    expect(typeof losses[0]).toBe('number');
    expect(losses).toEqual([losses[0], losses[0], losses[0]]);
  });

  it('--activation gelu --dropout 0.1 trains the digits', () => {
    const { code, stdout } = descent('train', '--data', 'digits', '--activation', 'gelu', '--dropout', '0.1', '--epochs', '10', '--json');
    expect(code).toBe(0);
    expect(lastJsonLine(stdout).testAccuracy).toBeGreaterThan(0.9);
  });

  it('--json ends stdout with one JSON object; progress goes to stderr, a line per epoch with samples/s', () => {
    const { code, stdout, stderr } = descent('train', '--data', 'digits', '--epochs', '3', '--backend', 'js', '--json');
    expect(code).toBe(0);
    const summary = lastJsonLine(stdout);
    for (const key of ['backend', 'epochs', 'seconds', 'trainLoss', 'testLoss', 'testAccuracy', 'samplesPerSecond']) {
      expect(summary).toHaveProperty(key);
    }
    expect(summary.backend).toBe('js');
    expect(summary.epochs).toBe(3);
    expect(summary.testAccuracy).toBeGreaterThan(0.8);
    expect(summary.samplesPerSecond).toBeGreaterThan(0);
    expect(stderr).toMatch(/epoch 1\/3 \| loss \d\.\d{4} \| acc \d\.\d{4} \| \d+ samples\/s\n/);
    expect(stderr).toMatch(/epoch 3\/3/);
  });

  it('--json names every setting the run used, and its "repeat" command trains the same network again', () => {
    const args = ['train', '--data', 'digits', '--layers', '64,32,10', '--epochs', '4', '--optimizer', 'momentum', '--nesterov'];
    const { code, stdout, stderr } = descent(...args, '--val-fraction', '0.1', '--early-stopping', '3', '--preprocess', 'minmax', '--seed', '7', '--backend', 'js', '--json');
    expect(code, stderr).toBe(0);
    const summary = lastJsonLine(stdout);
    expect(summary.settings).toEqual({
      data: 'digits',
      label: null,
      task: 'classification',
      delimiter: null,
      testSplit: 'fraction',
      testFraction: 0.2,
      layers: [64, 32, 10],
      activation: 'relu',
      output: 'softmax',
      loss: 'cross-entropy',
      dropout: 0,
      init: 'he',
      optimizer: 'momentum',
      lr: 0.01,
      momentum: 0.9,
      nesterov: true,
      weightDecay: 0,
      schedule: 'cosine',
      batchSize: 32,
      epochs: 4,
      valFraction: 0.1,
      earlyStopping: 3,
      preprocess: 'minmax',
      seed: 7,
      backend: 'js',
      threads: 0,
      resume: null,
    });
    // The rows fit trains on: the test split, then the validation split, both stratified and seeded.
    const { train, test } = trainTestSplit(loadDigits(), { testFraction: 0.2, seed: 7 });
    const fitted = trainTestSplit(train, { testFraction: 0.1, seed: 7 });
    expect(summary).toMatchObject({ trainRows: fitted.train.n, validationRows: fitted.test.n, testRows: test.n });
    expect(summary.valLoss).toEqual(expect.any(Number));
    const repeat = summary.repeat as string;
    expect(repeat).toMatch(/^descent train --data digits /);
    const again = descent(...repeat.split(' ').slice(1), '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(lastJsonLine(again.stdout).testLoss).toBe(summary.testLoss);
  });

  it('"repeat" quotes what a shell would split or expand', () => {
    const settings: TrainSettings = {
      data: "my data's.csv",
      label: ['price', 'rent'],
      task: 'regression',
      delimiter: ';',
      testSplit: 'fraction',
      testFraction: 0.2,
      layers: [3, 2],
      activation: 'relu',
      output: 'linear',
      loss: 'mse',
      dropout: 0,
      init: 'he',
      optimizer: 'sgd',
      lr: 0.1,
      weightDecay: 0,
      schedule: 'cosine',
      batchSize: 32,
      epochs: 5,
      valFraction: null,
      earlyStopping: null,
      preprocess: 'none',
      seed: 0,
      backend: 'auto',
      threads: 0,
      resume: null,
    };
    expect(repeatCommand(settings, 'js')).toBe(
      "descent train --data 'my data'\\''s.csv' --label price,rent --task regression --delimiter ';' --test-fraction 0.2 --layers 3,2 " +
        '--activation relu --output linear --loss mse --dropout 0 --init he --optimizer sgd --lr 0.1 --weight-decay 0 --schedule cosine ' +
        '--batch-size 32 --epochs 5 --preprocess none --seed 0 --backend js',
    );
  });

  it('--json records the betas where adam applies, and no momentum', () => {
    const { code, stdout } = descent('train', '--data', 'digits', '--epochs', '1', '--backend', 'js', '--json');
    expect(code).toBe(0);
    const settings = lastJsonLine(stdout).settings as Record<string, unknown>;
    expect(settings).toMatchObject({ optimizer: 'adam', lr: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
    expect(settings).not.toHaveProperty('momentum');
  });

  it('prints a readable summary without --json', () => {
    const { code, stdout } = descent('train', '--data', 'digits', '--epochs', '2', '--backend', 'js', '--layers', '64,32,10');
    expect(code).toBe(0);
    expect(stdout).toMatch(/layers 64-32-10, backend js, 2 epochs/);
    expect(stdout).toMatch(/test accuracy \d+\.\d\d%/);
  });

  it('the classic mistake stays near chance from the command line too', () => {
    const { code, stdout } = descent(
      'train', '--data', 'digits', '--backend', 'js', '--json',
      '--layers', '64,10,10', '--output', 'tanh', '--loss', 'mse', '--init', 'uniform', '--optimizer', 'sgd',
    );
    expect(code).toBe(0);
    expect(lastJsonLine(stdout).testAccuracy).toBeLessThan(0.3);
  });

  it('--log appends one JSON line per epoch as it ends', () => {
    const log = join(dir, 'run.jsonl');
    const { code, stdout, stderr } = descent('train', '--data', 'digits', '--epochs', '3', '--backend', 'js', '--val-fraction', '0.1', '--log', log, '--json');
    expect(code, stderr).toBe(0);
    const { trainRows } = lastJsonLine(stdout) as { trainRows: number };
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['epoch', 'lr', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds', 'samplesPerSecond']);
      expect(line.samplesPerSecond).toBeCloseTo(trainRows / line.seconds, 6);
      expect(line.valAccuracy).toBeGreaterThan(0);
    }
    expect(lines[1].lr).toBeLessThan(lines[0].lr);
  });

  it('--log adds to a log descent wrote, on a line of its own when the last line had no newline', () => {
    const log = join(dir, 'continued.jsonl');
    writeFileSync(log, '{"epoch":1,"lr":0.1,"loss":2.5}\n\n{"epoch":2,"lr":0.1,"loss":2}');
    const { code, stderr } = descent('train', '--data', 'digits', '--epochs', '2', '--backend', 'js', '--log', log);
    expect(code, stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.slice(0, 3)).toEqual(['{"epoch":1,"lr":0.1,"loss":2.5}', '', '{"epoch":2,"lr":0.1,"loss":2}']);
    expect(lines.slice(3, 5).map((line) => JSON.parse(line).epoch)).toEqual([1, 2]);
    expect(lines.slice(5)).toEqual(['']);
  });

  const bad: [string[], RegExp][] = [
    [['--layers', '64,x,10'], /--layers expects at least two comma-separated positive integers such as 64,128,10, received "64,x,10"/],
    [['--epochs', '0'], /--epochs expects an integer of at least 1, received "0"/],
    [['--batch-size', '2.5'], /--batch-size expects an integer of at least 1, received "2.5"/],
    [['--lr', '-1'], /--lr expects a positive number, received "-1"/],
    [['--optimizer', 'rmsprop'], /--optimizer must be one of sgd, momentum, adam, adamw, received "rmsprop"/],
    [['--layers', '60,10'], /--layers 60,10 takes 60 inputs, but --data digits has 64 features per row: pass --layers 64,10/],
    [['--layers', '64,32,5'], /--layers 64,32,5 ends in 5 outputs, but --data digits has 10 classes: pass --layers 64,32,10/],
    [['--epoch', '3'], /unknown option '--epoch'; did you mean --epochs\?/],
    [['--checkpoint-every', '2'], /--checkpoint-every needs --checkpoint FILE/],
    [['--momentum', '0.5'], /--momentum applies to --optimizer momentum, received --optimizer adam/],
    [['--label', 'species'], /--label applies to CSV files; --data digits has its own labels/],
    [['--task', 'regression'], /--task regression needs a CSV file with numeric target columns/],
    // Flags the network is built from: they exited 1, as runtime errors.
    [['--layers', '64,1e9,10'], /--layers sizes must be at most 16777216, received 1000000000 at position 2 of "64,1e9,10"/],
    [['--threads', '65'], /--threads expects an integer in \[0, 64\], received "65"/],
    [['--output', 'tanh', '--loss', 'cross-entropy'], /--output "tanh" does not fit --loss "cross-entropy": cross-entropy expects --output "softmax"/],
    [['--layers', '64,16777216,16777216,10'], /--layers \[64,16777216,16777216,10\] needs more than 2147483647 parameters/],
  ];
  for (const [args, message] of bad) {
    it(`rejects ${args.join(' ')} as a usage error: one line, exit 2`, () => {
      const { code, stdout, stderr } = descent('train', '--data', 'digits', '--backend', 'js', '--epochs', '1', ...args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(oneLine(stderr)).toMatch(message);
      expect(stderr).toMatch(/\(see descent train --help\)\n$/);
    });
  }

  it('refuses --test-fraction with a dataset that has its own test set, before reading it', () => {
    for (const data of ['fashion-mnist', `idx:${join(dir, 'no-such-dir')}`]) {
      const { code, stderr } = descent('train', '--data', data, '--test-fraction', '0.3');
      expect(code).toBe(2);
      expect(oneLine(stderr)).toBe(`descent: --test-fraction does not apply to --data ${data}: it comes with its own test set (see descent train --help)`);
    }
  });

  it('rejects an unknown dataset name as a runtime error', () => {
    const { code, stderr } = descent('train', '--data', 'mnist-typo');
    expect(code).toBe(1);
    expect(oneLine(stderr)).toMatch(/--data must be "digits", "fashion-mnist", idx:DIR \(MNIST-format files\) or the path of a CSV file, received "mnist-typo"/);
  });
});

describe('descent (every command)', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = descent('--version');
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  for (const command of ['train', 'doctor', 'evaluate', 'predict', 'info', 'export']) {
    it(`${command} --help lists its flags and an example`, () => {
      const { code, stdout } = descent(command, '--help');
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`Usage: descent ${command} \\[options\\]`));
      expect(stdout).toMatch(/--json/);
      expect(stdout).toMatch(new RegExp(`Examples:\\n  \\$ descent ${command} --`));
    });
  }

  it('help COMMAND prints that command\'s help, help alone the overview', () => {
    const train = descent('help', 'train');
    expect(train.code).toBe(0);
    expect(train.stdout).toBe(descent('train', '--help').stdout);
    const overview = descent('help');
    expect(overview.code).toBe(0);
    expect(overview.stdout).toMatch(/^Usage: descent \[options\] \[command\]/);
    expect(overview.stdout).toMatch(/help \[command\] +display help for command/);
  });

  it("the native backend's absence is one warning line of descent's, without Node's --trace-warnings trailer", () => {
    const { code, stderr } = descentWith({ DESCENT_NATIVE_PATH: join(dir, 'no-such-addon.node') }, 'train', '--data', 'digits', '--layers', '64,4,10', '--epochs', '1');
    expect(code, stderr).toBe(0);
    const lines = stderr.split('\n').filter((line) => line !== '');
    expect(lines.filter((line) => /native backend is not available/.test(line))).toEqual([
      expect.stringMatching(/^descent: the native backend is not available, so backend 'auto' uses the slower js backend\. Build it with/),
    ]);
    expect(stderr).not.toMatch(/trace-warnings|\(node:\d+\)/);
  });

  it('train --help states the fashion-mnist defaults and that --test-fraction does not apply to it', () => {
    const { stdout } = descent('train', '--help');
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toMatch(/--layers 784,256,128,10 --dropout 0.2 --epochs 40 --batch-size 128; flags given explicitly override them/);
    expect(text).toMatch(/\(default: 64,128,10; 784,256,128,10 with --data fashion-mnist\)/);
    expect(text).toMatch(/--test-fraction <f> held-out test share, stratified; does not apply to fashion-mnist and idx:DIR/);
  });

  const usage: [string[], string][] = [
    [[], 'descent: missing command: train, doctor, evaluate, predict, info or export (see descent --help)'],
    [['trian'], "descent: unknown command 'trian'; did you mean train? (see descent --help)"],
    [['info'], "descent: required option '--model <file>' not specified (see descent info --help)"],
    [['evaluate', '--model', 'm', '--data', 'digits', '--jsn'], "descent: unknown option '--jsn'; did you mean --json? (see descent evaluate --help)"],
    [['predict', '--model', 'm', '--input', 'x.csv', '--label', ','], 'descent: --label expects a column name or 0-based index, or a comma list of them, received "," (see descent predict --help)'],
    // It printed the whole help.
    [['help', 'nope'], "descent: unknown command 'nope': the commands are train, doctor, evaluate, predict, info and export (see descent --help)"],
  ];
  for (const [args, line] of usage) {
    it(`descent ${args.join(' ')}: one line, exit 2, no help dump`, () => {
      const { code, stdout, stderr } = descent(...args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`${line}\n`);
    });
  }
});
