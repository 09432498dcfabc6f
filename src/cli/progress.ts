import cliProgress from 'cli-progress';
import type { EpochLog } from '../train/options.js';
import { stderrWritable } from './output.js';

/** An epoch's log with its throughput: what the progress, --log and the summary report. */
export interface EpochReport extends EpochLog {
  /** Training rows per second of the epoch's wall time. */
  samplesPerSecond: number;
}

/** Reports epochs as they end: a bar on a terminal, one line per epoch otherwise. */
export interface EpochProgress {
  update(report: EpochReport): void;
  stop(): void;
}

function formatReport(report: EpochReport): string {
  const parts = [`loss ${report.loss.toFixed(4)}`];
  if (report.accuracy !== undefined) parts.push(`acc ${report.accuracy.toFixed(4)}`);
  if (report.valLoss !== undefined) parts.push(`val loss ${report.valLoss.toFixed(4)}`);
  if (report.valAccuracy !== undefined) parts.push(`val acc ${report.valAccuracy.toFixed(4)}`);
  parts.push(`${Math.round(report.samplesPerSecond)} samples/s`);
  return parts.join(' | ');
}

/**
 * `epochs` is the last epoch of the run, `done` the epochs a resumed run
 * starts after (the bar and its ETA start there).
 */
export function createEpochProgress(epochs: number, done = 0, stream: NodeJS.WriteStream = process.stderr): EpochProgress {
  if (!stream.isTTY) {
    return {
      update: (report) => {
        if (stderrWritable()) stream.write(`epoch ${report.epoch}/${epochs} | ${formatReport(report)}\n`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'epoch {value}/{total} [{bar}] {metrics} | eta {eta_formatted}', stream, hideCursor: true, etaBuffer: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(epochs, done, { metrics: 'training the first epoch' });
  return {
    update: (report) => {
      if (stderrWritable()) bar.update(report.epoch, { metrics: formatReport(report) });
    },
    stop: () => {
      if (stderrWritable()) bar.stop();
    },
  };
}
