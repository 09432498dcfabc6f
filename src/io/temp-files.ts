/**
 * The temp files atomic writes rename over their targets: their names
 * (`.NAME.PID.HEX.tmp` beside NAME), the ones this thread has in flight
 * (removed if the process exits mid-write), and the stale ones a writer
 * that died mid-write left behind (removed by the next write of NAME).
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync, type BigIntStats } from 'node:fs';
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const inFlight = new Set<string>();
let exitHookInstalled = false;

/** A new temp path beside target, owned by this process, recorded as in flight. */
export function newTempPath(target: string): string {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // process.exit() mid-write (a second Ctrl-C, a program's own exit) runs no finally: take the temps along.
    process.on('exit', removeTempsInFlight);
  }
  inFlight.add(temp);
  return temp;
}

/** The temp is renamed or removed: no longer this thread's to clean up. */
export function settled(temp: string): void {
  inFlight.delete(temp);
}

/** Removes this thread's temps in flight, at once: the process is about to end mid-write. */
export function removeTempsInFlight(): void {
  for (const temp of inFlight) {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed or removed already.
    }
  }
  inFlight.clear();
}

/**
 * A temp of a live process whose writer is gone (a worker thread
 * terminated mid-write, or a reused pid) is stale only once unmodified
 * this long: a writer holds its temp open from the moment it creates it,
 * and this margin covers the instant between the two.
 */
export const STALE_UNOPENED_MS = 2000;

/**
 * Removes the stale temps beside target: ours by name (`.NAME.PID.HEX.tmp`
 * for target's NAME), regular files, and left by a writer that is gone:
 * - its process is not alive (signal 0 to PID fails with ESRCH: a kill -9
 *   or a crash mid-write); or
 * - its process is alive but no descriptor of it has the temp open (read
 *   from /proc/PID/fd, where this process may read it) and the temp has not
 *   changed for STALE_UNOPENED_MS: a terminated worker thread's temp, or
 *   the pid is another process's now.
 * A temp of a live process that may be writing it is never removed; where
 * nothing can tell (no /proc, another user's process), it is kept. Never
 * fails: a temp that cannot be looked at or removed stays.
 */
export async function removeStaleTemps(target: string): Promise<void> {
  const directory = dirname(target);
  const owner = tempOwnerPattern(basename(target));
  const entries = await readdir(directory).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(owner.exec(entry)?.[1] ?? NaN);
    const temp = join(directory, entry);
    if (!Number.isSafeInteger(pid) || pid <= 0 || inFlight.has(temp)) continue;
    try {
      if (await isStale(temp, pid)) await rm(temp, { force: true });
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
}

/** `.NAME.PID.HEX.tmp` for this NAME, capturing PID. */
function tempOwnerPattern(name: string): RegExp {
  return new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
}

async function isStale(temp: string, pid: number): Promise<boolean> {
  const info = await lstat(temp, { bigint: true });
  if (!info.isFile()) return false;
  if (!processAlive(pid)) return true;
  if (Date.now() - Number(info.mtimeMs) < STALE_UNOPENED_MS) return false;
  return (await holdsOpen(pid, info)) === false;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's. Anything else: cannot tell, so alive.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether process pid has the file open: true, false, or null when its descriptors cannot be read. */
async function holdsOpen(pid: number, file: BigIntStats): Promise<boolean | null> {
  let descriptors: string[];
  try {
    descriptors = await readdir(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of descriptors) {
    const opened = await stat(`/proc/${pid}/fd/${fd}`, { bigint: true }).catch(() => null);
    if (opened !== null && opened.dev === file.dev && opened.ino === file.ino) return true;
  }
  return false;
}
