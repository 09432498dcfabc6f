/**
 * The lines of a --log file: one JSON record per epoch. Before descent adds
 * to an existing log (or drops a resumed run's later epochs from it), it
 * reads it through and refuses, naming the line, a file that is not one:
 * a model, a CSV, any text of another program's, anything not UTF-8.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { EpochReport } from './progress.js';

/** A log line's keys, in order. Every line has them all; null where a value does not apply. */
export function logRecord(report: EpochReport): Record<string, number | null> {
  return {
    epoch: report.epoch,
    lr: report.lr,
    loss: report.loss,
    accuracy: report.accuracy ?? null,
    valLoss: report.valLoss ?? null,
    valAccuracy: report.valAccuracy ?? null,
    seconds: report.seconds,
    samplesPerSecond: report.samplesPerSecond,
  };
}

/** No line descent writes is anywhere near this long; a longer one is not a log line (and is not held in memory). */
const MAX_LINE_BYTES = 1 << 16;

export interface ExistingLog {
  /** The lines of epochs up to `keepUpTo` (all of them when it is null), each without its newline. */
  kept: string[];
  /** How many records were after `keepUpTo`. */
  dropped: number;
  /** Whether the file ends in a newline (or is empty): else the next line must start with one. */
  endsWithNewline: boolean;
}

/**
 * Reads the log at path through, checking every line is one of descent's
 * records (blank lines are allowed); null when there is no file. `name`
 * is how errors name it ("--log run.jsonl"). With keepUpTo, the records of
 * later epochs are counted as dropped rather than kept.
 */
export async function readExistingLog(path: string, name: string, keepUpTo: number | null): Promise<ExistingLog | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${name}: ${(error as Error).message}`, { cause: error });
  }
  const log: ExistingLog = { kept: [], dropped: 0, endsWithNewline: true };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const take = (bytes: Uint8Array, line: number) => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw notOurs(name, line, 'is not UTF-8 text');
    }
    if (text.trim() === '') return;
    const epoch = recordEpoch(text);
    if (epoch === null) throw notOurs(name, line, `is not one of descent's epoch records (${JSON.stringify(abbreviated(text))})`);
    if (keepUpTo === null || epoch <= keepUpTo) log.kept.push(text);
    else log.dropped++;
  };
  try {
    const buffer = Buffer.allocUnsafe(MAX_LINE_BYTES);
    let pending: Buffer = Buffer.alloc(0);
    let line = 1;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let start = 0;
      for (let end = buffer.indexOf(0x0a, 0); end !== -1 && end < bytesRead; end = buffer.indexOf(0x0a, start)) {
        take(Buffer.concat([pending, buffer.subarray(start, end)]), line++);
        pending = Buffer.alloc(0);
        start = end + 1;
      }
      pending = Buffer.concat([pending, buffer.subarray(start, bytesRead)]);
      if (pending.length > MAX_LINE_BYTES) throw notOurs(name, line, `is longer than ${MAX_LINE_BYTES} bytes`);
    }
    if (pending.length > 0) {
      take(pending, line);
      log.endsWithNewline = false;
    }
  } catch (error) {
    if (error instanceof NotALogError) throw error;
    throw new Error(`cannot read ${name}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close();
  }
  return log;
}

class NotALogError extends Error {
  override readonly name = 'NotALogError';
}

function notOurs(name: string, line: number, what: string): NotALogError {
  return new NotALogError(`cannot write ${name}: its line ${line} ${what}, so it is not a log descent wrote; descent adds only to its own logs: give --log a new file`);
}

/** The epoch of one of our records (a JSON object with a positive integer epoch and a loss), else null. */
function recordEpoch(text: string): number | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { epoch } = value as { epoch?: unknown };
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 1 || !('loss' in value)) return null;
  return epoch;
}

function abbreviated(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
