import { readFileSync } from 'node:fs';

let version: string | undefined;

/** This package's version, as package.json gives it (read on first use, once). */
export function descentVersion(): string {
  // From src/io/ (tests) and dist/io/ (the build) alike, the package root is two levels up.
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
