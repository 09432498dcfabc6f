import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('README', () => {
  it('the library example runs as written and reaches its accuracy', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Library\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    // Inside the package folder, so that `import ... from 'descent-nn'` resolves to this build.
    const dir = mkdtempSync(join(root, '.readme-'));
    const file = join(dir, 'example.mjs');
    writeFileSync(file, example!);
    const result = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
    rmSync(dir, { recursive: true });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const accuracy = Number(/test accuracy ([\d.]+)/.exec(result.stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(0.96);
  });
});
