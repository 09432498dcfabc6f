/** --log FILE.jsonl: one JSON object per epoch, appended as the epoch ends (a resumed run continues the file). */
import { open, type FileHandle } from 'node:fs/promises';
import { openAtomicFile } from '../io/atomic-write.js';
import { writeTargetOf } from '../io/write-target.js';
import { logRecord, readExistingLog } from './log-records.js';
import type { EpochReport } from './progress.js';

export class EpochLogFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    /** Written before the first line: a newline when the file's last line has none. */
    private lead: string,
  ) {}

  private get name(): string {
    return `--log ${this.path}`;
  }

  /**
   * Opens (or creates) the file for appending, so a bad path fails before
   * training starts. An existing file must be a log descent wrote (or it
   * is refused, naming the line). A resumed run first drops the lines of
   * epochs after its checkpoint's (written before the crash, trained
   * again now), so the file keeps one line per epoch; that rewrite is
   * atomic. A character device or FIFO is appended to as it is.
   */
  static async open(path: string, resumedAfter: number | null = null): Promise<EpochLogFile> {
    const name = `--log ${path}`;
    const target = await writeTargetOf(path, name);
    let lead = '';
    if (target.how === 'replace') {
      const existing = await readExistingLog(path, name, resumedAfter);
      if (existing !== null && existing.dropped > 0) {
        const file = await openAtomicFile(path, { name });
        await file.write(existing.kept.map((line) => `${line}\n`).join(''));
        await file.commit();
      } else if (existing !== null && !existing.endsWithNewline) {
        lead = '\n';
      }
    }
    let handle: FileHandle | null = null;
    try {
      handle = await open(path, 'a');
      // Writes nothing, but a device that takes no writes (/dev/full) fails it now, not after the first epoch.
      await handle.write('');
      return new EpochLogFile(handle, path, lead);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw new Error(`cannot write ${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Every line has the same keys; null where a value does not apply (accuracy in regression, val* without validation). */
  async append(report: EpochReport): Promise<void> {
    try {
      await this.handle.write(`${this.lead}${JSON.stringify(logRecord(report))}\n`);
      this.lead = '';
    } catch (error) {
      throw new Error(`cannot write ${this.name}: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    try {
      await this.handle.close();
    } catch (error) {
      throw new Error(`cannot write ${this.name}: ${(error as Error).message}`, { cause: error });
    }
  }
}
