/** The README's ONNX section runs as written: the export snippet, then the onnxruntime-node one serving its file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxSession, runOnnx } from './support/onnx.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the package folder, so that 'descent-nn' resolves to this build and 'onnxruntime-node' to the dev dependency.
const dir = mkdtempSync(join(root, '.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snippets(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /### ONNX export\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]);
}

function runSnippet(code: string, name: string) {
  writeFileSync(join(dir, name), code);
  return spawnSync(process.execPath, [name], { cwd: dir, encoding: 'utf8' });
}

describe('README: ONNX export', () => {
  it('states opset 13, and its two snippets export the digits and serve them with two rows', { timeout: 60_000 }, async () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('ONNX model (opset 13, IR version 7)');
    const [exportSnippet, serveSnippet] = snippets();
    expect(serveSnippet.trim().split('\n')).toHaveLength(5);
    const exported = runSnippet(exportSnippet, 'export.mjs');
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    const served = runSnippet(serveSnippet, 'serve.mjs');
    expect(served.stderr).toBe('');
    expect(served.status).toBe(0);
    expect(served.stdout).toMatch(/^\[ 2, 10 \] BigInt64Array\(2\) \[ \d+n, \d+n \]\n$/);
    // The file the snippet wrote is a digits classifier with its standardization inside.
    const session = await onnxSession(readFileSync(join(dir, 'digits.onnx')));
    const rows = new Float32Array(2 * 64).fill(8);
    const { probabilities } = await runOnnx(session, rows, 64);
    const sums = [0, 1].map((r) => (probabilities.data as Float32Array).subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0));
    sums.forEach((sum) => expect(sum).toBeCloseTo(1, 5));
  });
});
