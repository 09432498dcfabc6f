/**
 * `descent doctor` and the hint `descent train` ends a failed run with, run
 * as a user runs them (the built dist/): exit codes, --json, no colour on a
 * pipe, usage errors pointing at the doctor's help.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useColour } from '../src/cli/doctor-text.js';
import { Rng } from '../src/rng.js';
import { cliInTempDir } from './support/cli.js';

const { descent, path } = cliInTempDir('descent-doctor-cli-');
const QUESTION = ['--layers', '64,10,10', '--output', 'tanh', '--loss', 'mse', '--init', 'uniform', '--optimizer', 'sgd'];

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('descent doctor', () => {
  it('exits 1 when it reports an error, with the report on stdout and nothing on stderr', () => {
    const { code, stdout, stderr } = descent('doctor', '--data', 'digits', ...QUESTION);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^error {3}OUTPUT_LOSS_MISMATCH plan\[3\]/m);
    // A pipe is not a terminal: no colour codes.
    expect(stdout).not.toContain('\x1b[');
  });

  it('exits 0 on a healthy network; --json prints the report as the last line', () => {
    const { code, stdout, stderr } = descent('doctor', '--data', 'digits', '--json');
    expect(code, stderr).toBe(0);
    const report = lastJson(stdout);
    expect(Object.keys(report)).toEqual(['command', 'findings', 'healthy', 'counts', 'probe', 'seconds']);
    expect(report.command).toBe('doctor');
    expect(report.healthy).toBe(true);
    expect(Object.keys(report.probe)).toEqual(['backend', 'steps', 'batchSize', 'optimizer', 'lr', 'initialLoss', 'finalLoss', 'chanceLoss', 'seconds']);
  });

  it('--json with errors still exits 1', () => {
    const { code, stdout } = descent('doctor', '--data', 'digits', '--json', ...QUESTION);
    expect(code).toBe(1);
    expect(lastJson(stdout).counts.error).toBeGreaterThanOrEqual(3);
  });

  it('usage errors point at the doctor help, with the messages train gives', () => {
    for (const args of [['--layers', '32,10'], ['--optimizer', 'sgd', '--momentum', '0.5'], ['--lr', '-1']]) {
      const doctor = descent('doctor', '--data', 'digits', ...args);
      const train = descent('train', '--data', 'digits', ...args);
      expect(doctor.code).toBe(2);
      expect(doctor.stderr).toMatch(/\(see descent doctor --help\)\n$/);
      expect(doctor.stderr.replace('descent doctor', 'descent train')).toBe(train.stderr);
    }
  });

  it('colours by severity only on a terminal without NO_COLOR', () => {
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      expect(useColour({ isTTY: true })).toBe(true);
      expect(useColour({ isTTY: false })).toBe(false);
      process.env.NO_COLOR = '1';
      expect(useColour({ isTTY: true })).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});

describe('descent train suggests the doctor with the same flags', () => {
  it('after a run near chance, on stdout (and on stderr with --json)', () => {
    const flags = ['--data', 'digits', '--epochs', '2', ...QUESTION];
    const { code, stdout } = descent('train', ...flags);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').pop()).toBe(`it finished near chance: run \`descent doctor ${flags.join(' ')}\` to see why`);
    const json = descent('train', ...flags, '--json');
    expect(lastJson(json.stdout).command).toBe('train');
    expect(json.stderr).toContain(`run \`descent doctor ${flags.join(' ')} --json\` to see why`);
  });

  it('near chance means near the largest class share, not 1 / output units: 90/10 classes of noise', () => {
    // Features unrelated to the labels: the best a network can do is always answer the 90% class
    // (90% accuracy, far above 1.5 / 2 outputs, yet exactly chance).
    const rng = new Rng(7);
    const rows = ['a,b,c,label'];
    for (let i = 0; i < 1000; i++) rows.push(`${rng.normal().toFixed(3)},${rng.normal().toFixed(3)},${rng.normal().toFixed(3)},${i % 10 === 0 ? 'rare' : 'common'}`);
    writeFileSync(path('noise.csv'), rows.join('\n'));
    const { code, stdout } = descent('train', '--data', path('noise.csv'), '--layers', '3,8,2', '--epochs', '20');
    expect(code).toBe(0);
    expect(stdout).toMatch(/it finished near chance: run `descent doctor --data \S+noise\.csv --layers 3,8,2 --epochs 20`/);
  });

  it('not after a run that learnt', () => {
    const { code, stdout } = descent('train', '--data', 'digits', '--epochs', '2');
    expect(code).toBe(0);
    expect(stdout).not.toContain('descent doctor');
  });
});
