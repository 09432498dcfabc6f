/** Checks that an output path can be written before the work that fills it starts. */
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Throws an Error naming the flag when the path is empty, its directory is missing or not writable, or it is a directory. */
export async function checkWritable(flag: string, path: string): Promise<void> {
  if (path === '') throw new Error(`cannot write ${flag} "": the path is empty`);
  const directory = dirname(resolve(path));
  const info = await stat(directory).catch(() => null);
  if (info === null || !info.isDirectory()) throw new Error(`cannot write ${flag} ${path}: the directory ${directory} does not exist`);
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory()) throw new Error(`cannot write ${flag} ${path}: it is a directory`);
  await access(directory, constants.W_OK).catch(() => {
    throw new Error(`cannot write ${flag} ${path}: the directory ${directory} is not writable`);
  });
}

/**
 * Throws an Error naming both flags when the output path is the input
 * file (under any spelling, or through a link): writing it would replace
 * what is being read.
 */
export async function checkNotInput(flag: string, path: string, inputFlag: string, input: string): Promise<void> {
  const [output, source] = await Promise.all([stat(path).catch(() => null), stat(input).catch(() => null)]);
  if (output !== null && source !== null && output.dev === source.dev && output.ino === source.ino) {
    throw new Error(`cannot write ${flag} ${path}: it is the ${inputFlag.slice(2)} file (${inputFlag} ${input}); writing would replace it`);
  }
}
