/**
 * Where predict writes its CSV: stdout, or a file replaced atomically:
 * the text goes to a temp file beside it, flushed and renamed over it only
 * when complete, so a failure or Ctrl-C leaves the old file as it was.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeOut } from './output.js';

export interface TextSink {
  write(text: string): Promise<void>;
  /** Everything is written: make it the output. */
  commit(): Promise<void>;
  /** Give up: leave no partial output behind (a file sink only). */
  abort(): Promise<void>;
}

export const stdoutSink: TextSink = {
  write: writeOut,
  commit: async () => {},
  abort: async () => {},
};

export async function atomicFileSink(flag: string, path: string): Promise<TextSink> {
  const fail = (error: unknown): Error => new Error(`cannot write ${flag} ${path}: ${(error as Error).message}`, { cause: error });
  const target = await realpath(path).catch(() => resolve(path));
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = await stat(target).then((s) => (s.isDirectory() ? -1 : s.mode & 0o7777), () => null);
  if (mode === -1) throw new Error(`cannot write ${flag} ${path}: it is a directory`);
  let handle: FileHandle | null;
  try {
    handle = await open(temp, 'wx');
    if (mode !== null) await handle.chmod(mode);
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(`cannot write ${flag} ${path}: the directory ${dirname(target)} does not exist`) : fail(error);
  }
  const discard = async () => {
    await handle?.close().catch(() => undefined);
    handle = null;
    await rm(temp, { force: true });
  };
  return {
    async write(text) {
      try {
        await handle!.write(text);
      } catch (error) {
        await discard();
        throw fail(error);
      }
    },
    async commit() {
      try {
        await handle!.sync();
        await handle!.close();
        handle = null;
        await rename(temp, target);
      } catch (error) {
        await discard();
        throw fail(error);
      }
    },
    abort: discard,
  };
}
