#!/usr/bin/env node
/**
 * npm run test:sanitize: builds the addon with AddressSanitizer and
 * UndefinedBehaviorSanitizer into build/Sanitize and runs the test files
 * that exercise native code against it (DESCENT_NATIVE_PATH), with
 * libasan preloaded into node. Any report fails the run. Leak checking is
 * off: node itself keeps allocations alive until exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'build', 'Sanitize');
const addon = path.join(buildDir, 'descent_native.node');
const TESTS = ['test/native-kernels.test.ts', 'test/native-trainer.test.ts', 'test/native-safety.test.ts', 'test/native-async.test.ts', 'test/byte-inputs.test.ts', 'test/checkpoint.test.ts', 'test/worker-threads.test.ts', 'test/preprocess.test.ts', 'test/event-loop.test.ts', 'test/concurrent-fits.test.ts', 'test/embedding-races.test.ts', 'test/predict-memory.test.ts', 'test/thread-priority.test.ts'];

function run(command, args, env = {}) {
  process.stderr.write(`test:sanitize: $ ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const nodeAddonApi = path.dirname((await import('node:module')).createRequire(path.join(root, 'package.json')).resolve('node-addon-api/package.json'));
if (run('cmake', ['-S', root, '-B', buildDir, '-DDESCENT_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo', `-DNODE_ADDON_API_DIR=${nodeAddonApi}`, `-DCMAKE_LIBRARY_OUTPUT_DIRECTORY=${buildDir}`]) !== 0) process.exit(1);
if (run('cmake', ['--build', buildDir, '-j', '2']) !== 0) process.exit(1);
if (!existsSync(addon)) {
  process.stderr.write(`test:sanitize: ${addon} was not built\n`);
  process.exit(1);
}
const libasan = spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout.trim();
const libubsan = spawnSync('gcc', ['-print-file-name=libubsan.so'], { encoding: 'utf8' }).stdout.trim();
const status = run(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...TESTS], {
  DESCENT_NATIVE_PATH: addon,
  // The event-loop gap bounds measure the sanitizers' slowdown here, not descent (test/support/sanitize.ts).
  DESCENT_TEST_SANITIZE: '1',
  LD_PRELOAD: `${libasan} ${libubsan}`,
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
});
process.exit(status);
