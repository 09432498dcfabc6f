// The descent command line run as a user runs it (the built dist/), in a
// temp directory of its own that is removed after the file's tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cliInTempDir(prefix: string): { path: (name: string) => string; descent: (...args: string[]) => CliRun } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    path: (name) => join(dir, name),
    descent(...args) {
      const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    },
  };
}
