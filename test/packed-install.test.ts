/**
 * The real thing: the package as npm packs it, installed into a new project.
 * There it imports and requires, type-checks under NodeNext and bundler
 * resolution (with `"types": ["node"]` and skipLibCheck false), trains on
 * the native backend (built by its install script); installed again with
 * --ignore-scripts, 'auto' falls back to js with one warning whose advice,
 * run as printed, builds the addon.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'descent-packed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', stdio: 'pipe' });

const TRAIN = `
  const net = new Network({ layers: [2, 8, 2], seed: 1 });
  const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
  await net.fit({ x, y: new Int32Array([0, 1, 1, 0]), n: 4, features: 2, classes: 2 }, { epochs: 2 });
  console.log(JSON.stringify({ backend: net.backend.name, outputs: net.predict(x).length }));
`;

const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** The @types/node descent builds against: the user's project installs it, as a TypeScript user's does. */
const TYPES_NODE = `@types/node@${(JSON.parse(readFileSync(path.join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version}`;

/** A user's typed code: the types must resolve, and a wrong option must be a type error. */
const TYPED_USE = `
  const net = new Network({ layers: [2, 3, 2], activation: 'gelu' });
  const layers: readonly number[] = net.layers;
  const outputs: Promise<Float32Array> = net.predictAsync([0, 1]);
  const data: Dataset = { x: new Float32Array(4), y: new Int32Array(2), n: 2, features: 2, classes: 2 };
  const history: Promise<History> = net.fit(data, { epochs: 1 });
  // @ts-expect-error: 'layer' is not an option
  new Network({ layer: [2, 2] });
  void outputs; void history; void layers;
`;
const TYPED_IMPORT = `import { Network, type Dataset, type History } from 'descent-nn';\n${TYPED_USE}\nexport {};\n`;
const TYPED_REQUIRE = `import descent = require('descent-nn');\nconst { Network } = descent;\ntype Dataset = descent.Dataset;\ntype History = descent.History;\n${TYPED_USE}\n`;
const TYPE_CHECKS: [string, string[]][] = [
  ['typed.mts', ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022']],
  ['typed.cts', ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022']],
  ['typed.ts', ['--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022']],
];

function run(project: string, code: string, type: 'module' | 'commonjs') {
  const result = spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: project, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout.trim().split('\n').pop() ?? '', stderr: result.stderr };
}

describe.runIf(nativeAvailable())('npm pack, then npm install in a new project', () => {
  it('imports, requires and trains natively; without its install script it warns once, and the advice builds it', { timeout: 300_000 }, () => {
    // dist is built already (npm test builds it): packing must not rebuild it under the other test files' feet.
    npm(['pack', '--ignore-scripts', '--pack-destination', work], root);
    const tarball = path.join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const project = path.join(work, 'app');
    rmSync(project, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    npm(['install', tarball, TYPES_NODE], project);

    const esm = run(project, `import { Network } from 'descent-nn';${TRAIN}`, 'module');
    expect(esm.stderr).toBe('');
    expect(JSON.parse(esm.stdout)).toEqual({ backend: 'native', outputs: 8 });
    const cjs = run(project, `const { Network } = require('descent-nn'); (async () => {${TRAIN}})();`, 'commonjs');
    expect(cjs.stderr).toBe('');
    expect(JSON.parse(cjs.stdout)).toEqual({ backend: 'native', outputs: 8 });

    // TypeScript finds the types under NodeNext (ESM and CommonJS files) and bundler resolution,
    // in a project that lists its global types ("types": ["node"]) and checks every declaration file.
    for (const [file, flags] of TYPE_CHECKS) {
      writeFileSync(path.join(project, file), file.endsWith('.cts') ? TYPED_REQUIRE : TYPED_IMPORT);
      const tsc = spawnSync(process.execPath, [TSC, '--noEmit', '--strict', '--skipLibCheck', 'false', '--types', 'node', ...flags, file], { cwd: project, encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr, `tsc ${flags.join(' ')} ${file}`).toBe('');
      expect(tsc.status).toBe(0);
    }

    // Again without install scripts: no addon, so js, with one warning naming the fix.
    rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    npm(['install', tarball, '--ignore-scripts'], project);
    const fallback = run(project, `import { Network } from 'descent-nn'; { ${TRAIN} } { ${TRAIN} }`, 'module');
    expect(JSON.parse(fallback.stdout)).toEqual({ backend: 'js', outputs: 8 });
    expect(fallback.stderr.match(/DESCENT_NATIVE_UNAVAILABLE/g)).toHaveLength(1);
    const advice = /Build it with `(npm rebuild [^`]+)`/.exec(fallback.stderr)?.[1];
    expect(advice).toBe('npm rebuild descent-nn');

    npm(advice!.split(' ').slice(1), project);
    const rebuilt = run(project, `import { Network } from 'descent-nn';${TRAIN}`, 'module');
    expect(rebuilt.stderr).toBe('');
    expect(JSON.parse(rebuilt.stdout)).toEqual({ backend: 'native', outputs: 8 });
  });
});

describe.runIf(nativeAvailable())('npm install from a clone: by path and by git URL', () => {
  // A fresh clone has no node_modules and no dist: npm runs its prepare
  // script (which installs the clone's build tools, then builds) and its
  // install script (the addon).
  for (const how of ['path', 'git URL'] as const) {
    it(`by ${how}: imports and trains natively`, { timeout: 300_000 }, () => {
      const clone = path.join(work, `clone-${how === 'path' ? 'path' : 'git'}`);
      execFileSync('git', ['clone', '--quiet', root, clone]);
      const project = path.join(work, `app-${how === 'path' ? 'path' : 'git'}`);
      execFileSync('mkdir', ['-p', project]);
      writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
      npm(['install', how === 'path' ? clone : `git+file://${clone}`], project);
      const esm = run(project, `import { Network } from 'descent-nn';${TRAIN}`, 'module');
      expect(esm.stderr).toBe('');
      expect(JSON.parse(esm.stdout)).toEqual({ backend: 'native', outputs: 8 });
    });
  }
});
