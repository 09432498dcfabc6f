#!/usr/bin/env node
// Puts a clone in working order, doing only what is missing or stale:
// system packages (as root, through apt-get), npm dependencies, the
// TypeScript build and the native addon. `npm start`, `npm test` and
// `npm run bench` run it first, so a fresh clone needs no other step.
//   --bench   also the peers the benchmark compares against (python3-torch)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forBench = process.argv.includes('--bench');
const log = (message) => process.stderr.write(`[descent setup] ${message}\n`);

function run(command, args, options = {}) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw result.error;
  return result.status === 0;
}

function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) {
    log(`descent needs Node.js 20 or newer, this is ${process.version}`);
    process.exit(1);
  }
}

/** Debian packages that are not installed, of those given. */
function missingDebianPackages(names) {
  if (!existsSync('/usr/bin/dpkg-query')) return [];
  return names.filter((name) => {
    try {
      const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { stdio: ['ignore', 'pipe', 'ignore'] });
      return !status.toString().includes('install ok installed');
    } catch {
      return true;
    }
  });
}

function ensureSystemPackages() {
  // The native backend builds against the system OpenBLAS with cmake and g++.
  const nativePackages = ['libopenblas-dev', 'cmake', 'g++', 'make'];
  // `--data fashion-mnist` and its tests read Debian's copy; the ONNX
  // tests run onnx's own checker on the exported models (python3-onnx).
  const wanted = [...nativePackages, 'dataset-fashion-mnist', 'python3-onnx'];
  // The benchmark's peer, and GNU time for its jobs' peak RSS.
  if (forBench) wanted.push('python3-torch', 'time');
  const missing = missingDebianPackages(wanted);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    log(`missing system packages: ${missing.join(', ')}. Install them with: sudo ${command}`);
    const until = [];
    if (missing.some((name) => nativePackages.includes(name))) until.push('descent runs on its js backend');
    if (missing.includes('python3-torch')) until.push('the benchmark skips the missing peers');
    if (missing.includes('dataset-fashion-mnist')) until.push('--data fashion-mnist and its tests are not available');
    if (missing.includes('python3-onnx')) until.push("the test of exports against onnx's checker is skipped");
    log(`until then ${until.join(', ')}`);
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env })) {
    run('apt-get', ['update'], { env });
    if (!run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env })) {
      log(`could not install ${missing.join(', ')}; continuing without them`);
    }
  }
}

function newestMtime(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  paths.forEach((p) => visit(join(root, p)));
  return newest;
}

function mtimeOf(path) {
  const full = join(root, path);
  return existsSync(full) ? statSync(full).mtimeMs : -1;
}

function ensureDependencies() {
  const installed = mtimeOf('node_modules/.package-lock.json');
  if (installed >= 0 && installed >= mtimeOf('package.json') && installed >= mtimeOf('package-lock.json')) return;
  // Our own install script builds the addon; it runs below, once, instead.
  if (!run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'])) {
    log('npm install failed');
    process.exit(1);
  }
}

function ensureTypeScriptBuild() {
  if (mtimeOf('dist/index.js') >= newestMtime(['src', 'tsconfig.json'])) return;
  if (!run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'])) {
    log('the TypeScript build failed');
    process.exit(1);
  }
}

function ensureNativeBuild() {
  const addon = 'build/Release/descent_native.node';
  if (mtimeOf(addon) >= newestMtime(['native', 'CMakeLists.txt', 'binding.gyp'])) return;
  run(process.execPath, [join(root, 'scripts/build-native.mjs'), '--optional']);
}

checkNode();
ensureSystemPackages();
ensureDependencies();
ensureTypeScriptBuild();
ensureNativeBuild();
