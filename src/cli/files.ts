/** Checks that an output path can be written before the work that fills it starts. */
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Throws an Error naming the flag when the file's directory is missing or not writable, or the path is a directory. */
export async function checkWritable(flag: string, path: string): Promise<void> {
  const directory = dirname(resolve(path));
  const info = await stat(directory).catch(() => null);
  if (info === null || !info.isDirectory()) throw new Error(`cannot write ${flag} ${path}: the directory ${directory} does not exist`);
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory()) throw new Error(`cannot write ${flag} ${path}: it is a directory`);
  await access(directory, constants.W_OK).catch(() => {
    throw new Error(`cannot write ${flag} ${path}: the directory ${directory} is not writable`);
  });
}
