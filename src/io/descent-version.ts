import { readFileSync } from 'node:fs';

let manifest: { name: string; version: string } | undefined;

/** This package's package.json (read on first use, once). */
function packageManifest(): { name: string; version: string } {
  // From src/io/ (tests) and dist/io/ (the build) alike, the package root is two levels up.
  manifest ??= JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return manifest;
}

/** This package's version, as package.json gives it. */
export function descentVersion(): string {
  return packageManifest().version;
}

/** The command that builds the native addon: in a project that installed this package, and in a clone of it. */
export function rebuildCommand(): string {
  return `\`npm rebuild ${packageManifest().name}\` (in a project that depends on it; in a clone of descent: \`npm run build:native\`)`;
}
