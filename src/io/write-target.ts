/**
 * What a path names for a writer, and so how descent writes it:
 * - a regular file, or nothing yet: replaced whole (a temp file beside it
 *   is renamed over it, src/io/atomic-write.ts), through a symlink the
 *   file it points at;
 * - a character device or a FIFO (/dev/null, a terminal, /dev/stdout on a
 *   pipe, a named pipe): written in place, as a shell's `>` writes it,
 *   since a rename would replace the device itself with a regular file;
 * - anything else (a directory, a socket, a block device): refused.
 */
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

export type WriteTarget =
  /** `file` is the path the rename replaces (a symlink's final target); `mode` its permissions, null when it does not exist yet. */
  | { how: 'replace'; file: string; mode: number | null }
  | { how: 'in-place'; kind: InPlaceKind };

export type InPlaceKind = 'character device' | 'FIFO';

/** Symlinks followed before giving up, as the kernel's ELOOP limit. */
const MAX_LINKS = 40;

/**
 * How path is written. `name` is how errors name it (a flag and the path,
 * say); every refusal says what the path is and what descent writes.
 */
export async function writeTargetOf(path: string, name = path): Promise<WriteTarget> {
  if (path.endsWith('/') || path.endsWith(sep)) throw new Error(`cannot write ${name}: the path ends in ${sep}, so it names a directory`);
  let info: Stats | null;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot write ${name}: ${(error as Error).message}`, { cause: error });
    info = null;
  }
  if (info === null || info.isFile()) return { how: 'replace', file: await canonicalPath(path), mode: info === null ? null : info.mode & 0o7777 };
  const kind = inPlaceKind(info);
  if (kind !== null) return { how: 'in-place', kind };
  throw new Error(`cannot write ${name}: it is ${kindOf(info)}; descent writes a regular file (replaced whole), a character device or a FIFO (written in place)`);
}

/** 'character device' or 'FIFO' when a file of this kind is written in place, else null. */
export function inPlaceKind(info: Stats): InPlaceKind | null {
  if (info.isCharacterDevice()) return 'character device';
  if (info.isFIFO()) return 'FIFO';
  return null;
}

/** "a directory", "a socket", ...: what a file that is not written is. */
export function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isSocket()) return 'a socket';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isFile()) return 'a regular file';
  return 'not a regular file';
}

/**
 * The one absolute spelling of a path, existing or not: symlinks followed
 * (a dangling one to the file it would create), the directory's real path
 * and the file's name. Two spellings of one file, or a link and its
 * target, give the same string.
 */
export async function canonicalPath(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const existing = await realpath(current).catch(() => null);
    if (existing !== null) return existing;
    const link = await lstat(current).then((s) => s.isSymbolicLink(), () => false);
    if (!link) break;
    current = resolve(dirname(current), await readlink(current));
  }
  const directory = await realpath(dirname(current)).catch(() => dirname(current));
  return join(directory, basename(current));
}
