/**
 * The package loads both ways a Node program asks for it: import (ESM) and
 * require (CommonJS, through Node's require of ES modules, 20.19 and later),
 * by its own name through the exports map.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const name = (await import('../package.json', { with: { type: 'json' } })).default.name as string;

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('module formats', () => {
  const script = (load: string) => `${load}; const net = new Network({ layers: [2, 3, 2], backend: 'js' }); console.log(net.predict([[1, 2]]).length);`;

  it('import works', () => {
    const result = run(['--input-type=module', '-e', script(`import { Network } from '${name}'`)]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('2');
  });

  it('require works, with no warning', () => {
    const result = run(['--input-type=commonjs', '-e', script(`const { Network } = require('${name}')`)]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('2');
  });
});
