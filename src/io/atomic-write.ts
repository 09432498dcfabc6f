/**
 * Replacing a file so that a crash, a full disk or a failed write never
 * leaves a truncated file where a good one was: the bytes go to a temp
 * file beside the target, are flushed, and only then renamed over it.
 * A character device or a FIFO is written in place instead (a rename
 * would replace /dev/null with a regular file); a directory, a socket or
 * a block device is refused (src/io/write-target.ts).
 */
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { newTempPath, removeStaleTemps, settled } from './temp-files.js';
import { inPlaceKind, kindOf, writeTargetOf } from './write-target.js';

export interface AtomicWriteOptions {
  /** Writes the bytes into the open temp file. A parameter so that tests can make it fail midway. */
  write?: (handle: FileHandle, bytes: Uint8Array) => Promise<void>;
}

/** An output being written: whole on commit, or (a temp file) gone on abort. */
export interface AtomicFile {
  /** The descriptor the bytes go to: the temp file's, or the device's or FIFO's. */
  readonly handle: FileHandle;
  /** True for a character device or a FIFO: written as it goes, so abort cannot take back what was written. */
  readonly inPlace: boolean;
  /** Appends; a failure discards the temp file and rejects naming the output. */
  write(data: Uint8Array | string): Promise<void>;
  /** Everything is written: flush it and make it the output. */
  commit(): Promise<void>;
  /** Give up: remove the temp file (a file), or just close (in place). Never rejects. */
  abort(): Promise<void>;
}

/**
 * Opens path for writing as writeTargetOf says: a temp file beside it to
 * rename over it on commit (stale temps of dead writers beside it are
 * removed first), or the device or FIFO itself. Errors name `name`
 * (default the path): "cannot write NAME: why".
 */
export async function openAtomicFile(path: string, options: { name?: string } = {}): Promise<AtomicFile> {
  const name = options.name ?? path;
  const target = await writeTargetOf(path, name);
  if (target.how === 'in-place') return openInPlace(path, name);
  const directory = dirname(target.file);
  await removeStaleTemps(target.file);
  const temp = newTempPath(target.file);
  let handle: FileHandle | null = null;
  const discard = async () => {
    await handle?.close().catch(() => undefined);
    handle = null;
    await rm(temp, { force: true }).catch(() => undefined);
    settled(temp);
  };
  try {
    handle = await open(temp, 'wx');
    if (target.mode !== null) await handle.chmod(target.mode);
  } catch (error) {
    const created = handle !== null;
    await discard();
    if (!created && (error as NodeJS.ErrnoException).code === 'ENOENT') throw writeError(name, error, `the directory ${directory} does not exist`);
    throw writeError(name, error);
  }
  const opened: FileHandle = handle!;
  return {
    handle: opened,
    inPlace: false,
    async write(data) {
      try {
        await writeAll(opened, data);
      } catch (error) {
        await discard();
        throw writeError(name, error);
      }
    },
    async commit() {
      try {
        await opened.sync();
        // Renamed while still open: a temp whose writer is alive is always
        // open, which is how removeStaleTemps tells it from a stale one.
        if (process.platform === 'win32') await closeOnce();
        await rename(temp, target.file);
        settled(temp);
        await closeOnce();
      } catch (error) {
        await discard();
        throw writeError(name, error);
      }
      try {
        await syncDirectory(directory);
      } catch (error) {
        throw writeError(name, error);
      }
    },
    abort: discard,
  };

  async function closeOnce(): Promise<void> {
    const open = handle;
    handle = null;
    await open?.close();
  }
}

/**
 * Writes bytes to path atomically: afterwards path holds either its old
 * content (the promise rejects, and no temp file is left) or all of bytes.
 * Concurrent writers each use their own temp file; the last rename wins.
 * A character device or FIFO is written in place.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const file = await openAtomicFile(path);
  if (options.write === undefined) {
    await file.write(bytes);
  } else {
    try {
      await options.write(file.handle, bytes);
    } catch (error) {
      await file.abort();
      throw writeError(path, error);
    }
  }
  await file.commit();
}

/** A character device or FIFO, opened as it is (no O_CREAT: if it went away, nothing is created in its place). */
async function openInPlace(path: string, name: string): Promise<AtomicFile> {
  let handle: FileHandle;
  try {
    // A FIFO's open waits for a reader, as a shell's `>` does.
    handle = await open(path, constants.O_WRONLY);
  } catch (error) {
    throw writeError(name, error);
  }
  const info = await handle.stat().catch(() => null);
  if (info === null || inPlaceKind(info) === null) {
    await handle.close().catch(() => undefined);
    throw new Error(`cannot write ${name}: it changed while being opened (it is ${info === null ? 'gone' : kindOf(info)} now)`);
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    handle,
    inPlace: true,
    async write(data) {
      try {
        await writeAll(handle, data);
      } catch (error) {
        await close().catch(() => undefined);
        throw writeError(name, error);
      }
    },
    async commit() {
      try {
        await close();
      } catch (error) {
        throw writeError(name, error);
      }
    },
    abort: () => close().catch(() => undefined),
  };
}

/** All of data at the handle's position: one write call may take only part of it (a pipe, a signal). */
async function writeAll(handle: FileHandle, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, null);
    done += bytesWritten;
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
function writeError(name: string, cause: unknown, reason = (cause as Error).message): Error {
  const error = new Error(`cannot write ${name}: ${reason}`, { cause });
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== undefined) (error as NodeJS.ErrnoException).code = code;
  return error;
}
