/**
 * Replacing a file so that a crash, a full disk or a failed write never
 * leaves a truncated file where a good one was: the bytes go to a temp
 * file beside the target, are flushed, and only then renamed over it.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface AtomicWriteOptions {
  /** Writes the bytes into the open temp file. A parameter so that tests can make it fail midway. */
  write?: (handle: FileHandle, bytes: Uint8Array) => Promise<void>;
}

/**
 * Writes bytes to path atomically: afterwards path holds either its old
 * content (the promise rejects, and no temp file is left) or all of bytes.
 * Concurrent writers each use their own temp file; the last rename wins.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const write = options.write ?? ((handle, data) => handle.writeFile(data));
  // Through a symlink, the file it points at is the one replaced.
  const target = await realpath(path).catch(() => resolve(path));
  const directory = dirname(target);
  const temp = join(directory, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = await stat(target).then((s) => s.mode & 0o7777, () => null);
  let handle: FileHandle | null = null;
  try {
    handle = await open(temp, 'wx');
    if (mode !== null) await handle.chmod(mode);
    await write(handle, bytes);
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    if (handle === null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw writeError(path, error, `the directory ${directory} does not exist`);
    }
    throw writeError(path, error);
  }
  try {
    await syncDirectory(directory);
  } catch (error) {
    throw writeError(path, error);
  }
}

/** Makes the rename itself durable: the directory entry is flushed too. */
async function syncDirectory(directory: string): Promise<void> {
  // Windows cannot open a directory for fsync; its rename is flushed with the file.
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The failure, naming the file the caller asked for (not the temp file), with the system code kept. */
function writeError(path: string, cause: unknown, reason = (cause as Error).message): Error {
  const error = new Error(`cannot write ${path}: ${reason}`, { cause });
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== undefined) (error as NodeJS.ErrnoException).code = code;
  return error;
}
