/** Checks that an output path can be written before the work that fills it starts. */
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { canonicalPath, inPlaceKind, writeTargetOf } from '../io/write-target.js';

/**
 * Throws an Error naming the flag when the path is empty, its directory is
 * missing or not writable, or it is not something descent writes (a
 * directory, a socket, a block device); a character device or FIFO, which
 * is written in place, must be writable itself.
 */
export async function checkWritable(flag: string, path: string): Promise<void> {
  if (path === '') throw new Error(`cannot write ${flag} "": the path is empty`);
  const target = await writeTargetOf(path, `${flag} ${path}`);
  if (target.how === 'in-place') {
    await access(path, constants.W_OK).catch(() => {
      throw new Error(`cannot write ${flag} ${path}: the ${target.kind} is not writable`);
    });
    return;
  }
  const directory = dirname(resolve(path));
  const info = await stat(directory).catch(() => null);
  if (info === null || !info.isDirectory()) throw new Error(`cannot write ${flag} ${path}: the directory ${directory} does not exist`);
  await access(dirname(target.file), constants.W_OK).catch(() => {
    throw new Error(`cannot write ${flag} ${path}: the directory ${dirname(target.file)} is not writable`);
  });
}

/**
 * Throws an Error naming both flags when the output path is the input
 * file (under any spelling, or through a link): writing it would replace
 * what is being read. A character device or FIFO is written in place, not
 * replaced (`--input /dev/stdin --output /dev/stdout` on one terminal).
 */
export async function checkNotInput(flag: string, path: string, inputFlag: string, input: string, consequence = 'writing would replace it'): Promise<void> {
  const output = await stat(path).catch(() => null);
  if (output !== null && inPlaceKind(output) !== null) return;
  if (await sameFile(path, input)) {
    throw new Error(`cannot write ${flag} ${path}: it is the ${inputFlag.slice(2)} file (${inputFlag} ${input}); ${consequence}`);
  }
}

/**
 * Whether two paths name one file: the same device and inode when both
 * exist, else the same canonical path (so a file not written yet is still
 * the file another flag names, under any spelling or through a link).
 */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [first, second] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  if (first !== null && second !== null) return first.dev === second.dev && first.ino === second.ino;
  if (first !== null || second !== null) return false;
  return (await canonicalPath(a)) === (await canonicalPath(b));
}
