import cliProgress from 'cli-progress';
import type { EpochLog } from '../train/options.js';

/** Reports epochs as they end: a bar on a terminal, one line per epoch otherwise. */
export interface EpochProgress {
  update(log: EpochLog): void;
  stop(): void;
}

function formatLog(log: EpochLog): string {
  const parts = [`loss ${log.loss.toFixed(4)}`];
  if (log.accuracy !== undefined) parts.push(`acc ${log.accuracy.toFixed(4)}`);
  if (log.valLoss !== undefined) parts.push(`val loss ${log.valLoss.toFixed(4)}`);
  if (log.valAccuracy !== undefined) parts.push(`val acc ${log.valAccuracy.toFixed(4)}`);
  return parts.join(' | ');
}

export function createEpochProgress(epochs: number, stream: NodeJS.WriteStream = process.stderr): EpochProgress {
  if (!stream.isTTY) {
    return {
      update: (log) => stream.write(`epoch ${log.epoch}/${epochs} | ${formatLog(log)}\n`),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'epoch {value}/{total} [{bar}] {metrics} | eta {eta_formatted}', stream, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(epochs, 0, { metrics: '' });
  return {
    update: (log) => bar.update(log.epoch, { metrics: formatLog(log) }),
    stop: () => bar.stop(),
  };
}
