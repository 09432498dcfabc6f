#!/usr/bin/env node
/**
 * npm's `prepare`: builds dist/ with TypeScript. npm runs it in a clone
 * that is installed as a dependency (a git URL, or a path to a clone),
 * where the clone may have no node_modules yet: then this installs the
 * clone's own dependencies first, so that tsc (a devDependency) is there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(tsc)) {
  process.stderr.write('descent: prepare: installing the build tools (this clone has no node_modules yet)\n');
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund']);
}
run(process.execPath, [tsc, '-p', 'tsconfig.json']);
