/** --log FILE.jsonl: one JSON object per epoch, appended as the epoch ends (a resumed run continues the file). */
import { open, type FileHandle } from 'node:fs/promises';
import type { EpochReport } from './progress.js';

export class EpochLogFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  /** Opens (or creates) the file for appending, so a bad path fails before training starts. */
  static async open(path: string): Promise<EpochLogFile> {
    try {
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
