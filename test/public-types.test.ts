/**
 * The public declarations (dist/index.d.ts and the files it reaches) stand
 * on their own: they import no package but Node's built-ins, so a user's
 * project type-checks with its own settings. (onnx-proto's declarations,
 * for one, name a global `Long` that only @types/long provides: a project
 * with `"types": ["node"]` and `skipLibCheck: false` failed on them.)
 * test/packed-install.test.ts checks the same on the installed package.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Every module specifier a declaration file names: import / export ... from, import("..."), and triple-slash references. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const pattern of [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\bimport\s+['"]([^'"]+)['"]/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const match of text.matchAll(pattern)) found.push(match[1]);
  }
  for (const match of text.matchAll(/\/\/\/\s*<reference\s+types=['"]([^'"]+)['"]/g)) found.push(match[1]);
  return found;
}

/** The declaration files reachable from dist/index.d.ts by relative imports, and the packages they name. */
function publicDeclarations(): { files: string[]; packages: Map<string, string[]> } {
  const files: string[] = [];
  const packages = new Map<string, string[]>();
  const pending = [path.join(dist, 'index.d.ts')];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) {
        pending.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.d.ts')));
      } else {
        packages.set(specifier, [...(packages.get(specifier) ?? []), path.relative(dist, file)]);
      }
    }
  }
  return { files, packages };
}

const builtin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

describe('the public declarations', () => {
  it('import no package but Node built-ins (no onnx-proto, no protobufjs)', () => {
    const { files, packages } = publicDeclarations();
    expect(files.length).toBeGreaterThan(10);
    expect(files.map((f) => path.relative(dist, f))).toContain('network.d.ts');
    const foreign = Object.fromEntries([...packages].filter(([specifier]) => !builtin(specifier)));
    expect(foreign).toEqual({});
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(/onnx-proto|protobufjs/);
  });

  // A consumer's project inside the package's own folder, so that 'descent-nn' resolves to dist through the exports map.
  const project = mkdtempSync(path.join(root, '.types-consumer-'));
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('type-check in a strict project with "types": ["node"] and skipLibCheck false (ESM and CommonJS)', () => {
    const name = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string }).name;
    const use = `
      const net = new Network({ layers: [2, 3, 2], activation: 'gelu' });
      const bytes: Uint8Array = net.toOnnx({ input: 'uint8' });
      // @ts-expect-error: 'int8' is not an input type
      net.toOnnx({ input: 'int8' });
      void bytes;
    `;
    writeFileSync(path.join(project, 'use.mts'), `import { Network } from '${name}';\n${use}\nexport {};\n`);
    writeFileSync(path.join(project, 'use.cts'), `import descent = require('${name}');\nconst { Network } = descent;\n${use}\n`);
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['use.mts', 'use.cts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [TSC, '-p', project], { cwd: project, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
