import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function descent(...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm test (it builds first) or npm run build:ts`);
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
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

  it('--json ends stdout with one JSON object; progress goes to stderr', () => {
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
    expect(stderr).toMatch(/epoch 1\/3 \| loss \d\.\d{4} \| acc/);
    expect(stderr).toMatch(/epoch 3\/3/);
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

  const bad: [string[], RegExp][] = [
    [['--layers', '64,x,10'], /--layers expects at least two comma-separated positive integers such as 64,128,10, received "64,x,10"/],
    [['--epochs', '0'], /--epochs expects an integer of at least 1, received "0"/],
    [['--batch-size', '2.5'], /--batch-size expects an integer of at least 1, received "2.5"/],
    [['--lr', '-1'], /--lr expects a positive number, received "-1"/],
    [['--optimizer', 'rmsprop'], /option '--optimizer <name>' argument 'rmsprop' is invalid. Allowed choices are sgd, momentum, adam, adamw/],
    [['--output', 'softmax', '--loss', 'binary-cross-entropy'], /output "softmax" does not fit loss "binary-cross-entropy"/],
    [['--layers', '60,10'], /data.features must equal the network's input size 60, received 64/],
  ];
  for (const [args, message] of bad) {
    it(`rejects ${args.join(' ')} with a message that says why`, () => {
      const { code, stderr } = descent('train', '--data', 'digits', '--backend', 'js', '--epochs', '1', ...args);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(message);
    });
  }

  it('rejects an unknown dataset', () => {
    const { code, stderr } = descent('train', '--data', 'mnist-typo');
    expect(code).toBe(1);
    expect(stderr).toMatch(/--data must be one of "digits", received "mnist-typo"/);
  });
});
