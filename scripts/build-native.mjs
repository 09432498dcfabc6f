#!/usr/bin/env node
/**
 * Builds the native backend into build/Release/descent_native.node:
 * cmake-js first (CMakeLists.txt), node-gyp as the fallback (binding.gyp).
 * Both use the Node.js headers already on this machine; nothing is
 * downloaded.
 *
 *   node scripts/build-native.mjs              build, exit 1 on failure
 *   node scripts/build-native.mjs --optional   never fail: warn that descent
 *                                              will use the js backend (npm install)
 *   node scripts/build-native.mjs --debug      Debug build (build/Debug)
 *   node scripts/build-native.mjs --gyp        skip cmake-js
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const args = new Set(process.argv.slice(2));
const optional = args.has('--optional');
const debug = args.has('--debug');
const config = debug ? 'Debug' : 'Release';
const output = path.join(root, 'build', config, 'descent_native.node');
const FIX = 'apt-get install libopenblas-dev cmake g++ make (then npm run build:native)';

function log(message) {
  process.stderr.write(`descent: ${message}\n`);
}

/** The prefix whose include/node holds node_api.h for the running Node.js, or null. */
function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
    '/usr',
    '/usr/local',
  ].filter(Boolean);
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  return null;
}

/**
 * Runs a build tool. Its output is shown as it runs, except with --optional
 * (npm install), where only the last lines of a failure are kept for the
 * one warning.
 */
function run(command, argv, env) {
  if (!optional) log(`$ ${[command, ...argv].join(' ')}`);
  const result = spawnSync(command, argv, {
    cwd: root,
    stdio: optional ? 'pipe' : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (result.error) return `${command} could not start: ${result.error.message}`;
  if (result.status === 0) return null;
  const tool = path.basename(argv[0] ?? command);
  const tail = optional ? lastLines(`${result.stdout ?? ''}\n${result.stderr ?? ''}`) : '';
  return `${tool} exited with ${result.status ?? result.signal}${tail ? ` (${tail})` : ''}`;
}

/** The last meaningful lines of a build log, on one line. */
function lastLines(text) {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /error|not found|could not|cannot/i.test(line) && !/^gyp ERR! (stack|System|command|cwd|node|not ok)/.test(line));
  return lines.slice(0, 3).join(' | ');
}

function hasCommand(command) {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function resolveOrNull(id) {
  try {
    return require.resolve(id);
  } catch {
    return null;
  }
}

function buildWithCmakeJs(nodeDir) {
  const cli = resolveOrNull('cmake-js/bin/cmake-js');
  if (!cli) return 'cmake-js is not installed in node_modules';
  if (!hasCommand('cmake')) return 'cmake is not installed';
  const addonApi = path.dirname(require.resolve('node-addon-api/package.json'));
  return run(
    process.execPath,
    [
      cli,
      'build',
      '--directory',
      root,
      '--out',
      path.join(root, 'build'),
      '--config',
      config,
      '--CDNODE_ADDON_API_DIR=' + addonApi,
      '--log-level',
      'warn',
    ],
    // cmake-js reads the header location from npm's config; pointing it at
    // the local headers is what keeps it from downloading them.
    { npm_config_nodedir: nodeDir },
  );
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    resolveOrNull('node-gyp/bin/node-gyp.js'),
    path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ].filter(Boolean);
  return candidates.find((file) => existsSync(file)) ?? null;
}

function buildWithNodeGyp(nodeDir) {
  const cli = findNodeGyp();
  if (!cli) return 'node-gyp was not found (it ships with npm)';
  return run(process.execPath, [cli, 'rebuild', `--nodedir=${nodeDir}`, ...(debug ? ['--debug'] : [])], {
    npm_config_nodedir: nodeDir,
  });
}

function checkLoads() {
  const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(output)})`], { encoding: 'utf8' });
  if (result.status === 0) return null;
  return `the built addon does not load: ${(result.stderr || '').trim().split('\n').slice(0, 3).join(' ')}`;
}

function main() {
  const failures = [];
  const nodeDir = findNodeDir();
  if (!nodeDir) {
    failures.push(
      `no Node.js headers (include/node/node_api.h) next to ${process.execPath} or in /usr, /usr/local; ` +
        'set npm_config_nodedir to a Node.js prefix that has them (downloading them is not attempted)',
    );
  } else {
    const builders = args.has('--gyp') ? [['node-gyp', buildWithNodeGyp]] : [
      ['cmake-js', buildWithCmakeJs],
      ['node-gyp', buildWithNodeGyp],
    ];
    for (const [name, build] of builders) {
      const error = build(nodeDir) ?? (existsSync(output) ? checkLoads() : `no ${path.relative(root, output)} was produced`);
      if (error === null) {
        log(`built ${path.relative(root, output)} with ${name}`);
        return 0;
      }
      failures.push(`${name}: ${error}`);
      if (!optional) log(`${name} failed: ${error}`);
    }
  }
  const summary = `the native backend could not be built (${failures.join('; ')}).`;
  if (optional) {
    log(`warning: ${summary} descent will use the js backend. To enable the native backend: ${FIX}.`);
    return 0;
  }
  log(`error: ${summary} To fix: ${FIX}.`);
  return 1;
}

process.exitCode = main();
