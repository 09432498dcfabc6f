// End to end on Fashion-MNIST: `descent train --data fashion-mnist` with
// its defaults through the real CLI (wall time from process start, loading
// included; peak RSS by /usr/bin/time), against PyTorch training the same
// network with the same optimizer, schedule, batch and epochs (its CPU
// time, loading included). Targets: descent's wall time at most half of
// PyTorch's CPU time; descent's peak RSS at most 2x the dataset's bytes +
// 200 MB; test accuracy at least 0.900.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const PEER = fileURLToPath(new URL('./peers/torch_peer.py', import.meta.url));
const DIR = '/usr/share/datasets/fashion-mnist';
/** 70,000 images of 784 bytes and their labels: what the files hold, unpacked. */
const DATASET_BYTES = 70000 * 785;

/** A command's wall time and peak RSS, measured by GNU time around it. */
function timed(command, args) {
  const result = spawnSync('/usr/bin/time', ['-f', 'DESCENT_BENCH_TIME %e %M', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const match = /DESCENT_BENCH_TIME ([\d.]+) (\d+)/.exec(result.stderr ?? '');
  return { result, wallSeconds: match ? Number(match[1]) : null, peakRssMiB: match ? Number(match[2]) / 1024 : null };
}

export function compareFashionMnist(log) {
  if (!existsSync(DIR)) return { skipped: `${DIR} is missing (apt-get install dataset-fashion-mnist)` };
  if (!existsSync('/usr/bin/time')) return { skipped: '/usr/bin/time is missing (apt-get install time)' };
  log('fashion-mnist: descent train --data fashion-mnist (defaults) ...');
  const run = timed(process.execPath, [CLI, 'train', '--data', 'fashion-mnist', '--json']);
  if (run.result.status !== 0) return { skipped: `descent train failed: ${run.result.stderr.trim().split('\n').pop()}` };
  const summary = JSON.parse(run.result.stdout.trim().split('\n').pop());
  const settings = summary.settings ?? summary;
  const descent = {
    testAccuracy: summary.testAccuracy,
    wallSeconds: run.wallSeconds,
    peakRssMiB: run.peakRssMiB,
    layers: settings.layers,
    dropout: settings.dropout,
    epochs: settings.epochs,
    batch: settings.batchSize,
    lr: settings.lr,
  };
  log(`fashion-mnist: PyTorch, ${descent.layers.join('-')}, dropout ${descent.dropout}, ${descent.epochs} epochs, batch ${descent.batch} ...`);
  const request = { mode: 'fashion', dir: DIR, layers: descent.layers, dropout: descent.dropout, epochs: descent.epochs, batch: descent.batch, lr: descent.lr };
  const peer = spawnSync('/usr/bin/python3', [PEER, JSON.stringify(request)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  let pytorch;
  try {
    pytorch = JSON.parse(peer.stdout.trim().split('\n').pop());
  } catch {
    pytorch = { skipped: `exit ${peer.status}: ${(peer.stderr || '').trim().split('\n').pop()}` };
  }
  const rssLimitMiB = (2 * DATASET_BYTES) / 2 ** 20 + 200e6 / 2 ** 20;
  return {
    descent,
    pytorch,
    rssLimitMiB,
    wallOverPytorchCpu: pytorch.cpuSeconds ? descent.wallSeconds / pytorch.cpuSeconds : null,
  };
}
