/** --log FILE.jsonl: one JSON object per epoch, appended as the epoch ends (a resumed run continues the file). */
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import type { EpochReport } from './progress.js';

export class EpochLogFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  /**
   * Opens (or creates) the file for appending, so a bad path fails before
   * training starts. A resumed run first drops the lines of epochs after
   * its checkpoint's (written before the crash, trained again now), so
   * the file keeps one line per epoch.
   */
  static async open(path: string, resumedAfter: number | null = null): Promise<EpochLogFile> {
    try {
      if (resumedAfter !== null) await keepEpochsUpTo(path, resumedAfter);
      return new EpochLogFile(await open(path, 'a'), path);
    } catch (error) {
      throw new Error(`cannot write --log ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Every line has the same keys; null where a value does not apply (accuracy in regression, val* without validation). */
  async append(report: EpochReport): Promise<void> {
    const line = {
      epoch: report.epoch,
      lr: report.lr,
      loss: report.loss,
      accuracy: report.accuracy ?? null,
      valLoss: report.valLoss ?? null,
      valAccuracy: report.valAccuracy ?? null,
      seconds: report.seconds,
      samplesPerSecond: report.samplesPerSecond,
    };
    await this.handle.write(`${JSON.stringify(line)}\n`);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Rewrites the log without the lines of epochs after `epoch` (a missing file is left missing). */
async function keepEpochsUpTo(path: string, epoch: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const kept = text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { epoch?: number }).epoch! <= epoch;
    } catch {
      return true; // not a line of ours: leave it
    }
  });
  await writeFile(path, kept.length > 0 ? `${kept.join('\n')}\n` : '');
}
