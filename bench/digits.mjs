// End to end: `descent train --data digits` with the defaults on each
// backend, seeds 0-4, through the real CLI. Reports mean test accuracy and
// training time, and native's speed over js.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const SEEDS = [0, 1, 2, 3, 4];

function train(backend, seed) {
  const result = spawnSync(process.execPath, [CLI, 'train', '--data', 'digits', '--backend', backend, '--seed', String(seed), '--json'], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`descent train --backend ${backend} --seed ${seed} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

export function compareDigits(backends, log) {
  const runs = Object.fromEntries(backends.map((b) => [b, []]));
  for (const seed of SEEDS) {
    for (const backend of backends) {
      log(`digits: descent train --data digits --backend ${backend} --seed ${seed}`);
      runs[backend].push(train(backend, seed));
    }
  }
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const summary = {};
  for (const backend of backends) {
    summary[backend] = {
      meanTestAccuracy: mean(runs[backend].map((r) => r.testAccuracy)),
      meanSeconds: mean(runs[backend].map((r) => r.seconds)),
      accuracies: runs[backend].map((r) => r.testAccuracy),
    };
  }
  if (summary.native && summary.js) {
    summary.nativeSpeedup = summary.js.meanSeconds / summary.native.meanSeconds;
    summary.accuracyGapPoints = 100 * (summary.native.meanTestAccuracy - summary.js.meanTestAccuracy);
  }
  return summary;
}
