// `descent predict` over a 1,000,000-row CSV: it streams, so its peak RSS
// stays bounded (target: under 300 MB) whatever the file's size. The model
// is a digits network (64 features) trained for a few epochs; the CSV is
// generated once into a temporary directory (about 180 MB).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const ROWS = 1_000_000;

async function writeCsv(file, rows, features) {
  const out = createWriteStream(file);
  let seed = 1;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 17;
  for (let start = 0; start < rows; start += 10_000) {
    let chunk = '';
    for (let r = start; r < Math.min(rows, start + 10_000); r++) {
      const cells = new Array(features);
      for (let j = 0; j < features; j++) cells[j] = next();
      chunk += `${cells.join(',')}\n`;
    }
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

export async function measurePredictMemory(log) {
  const dir = mkdtempSync(path.join(tmpdir(), 'descent-bench-predict-'));
  try {
    const model = path.join(dir, 'digits.descent');
    const input = path.join(dir, 'rows.csv');
    log('predict: training a digits model ...');
    const train = spawnSync(process.execPath, [CLI, 'train', '--data', 'digits', '--epochs', '5', '--save', model, '--json'], { encoding: 'utf8' });
    if (train.status !== 0) return { skipped: `descent train failed: ${train.stderr.trim().split('\n').pop()}` };
    log(`predict: writing ${ROWS.toLocaleString('en-US')} rows of 64 features ...`);
    await writeCsv(input, ROWS, 64);
    log('predict: descent predict over them ...');
    const result = spawnSync(
      '/usr/bin/time',
      ['-f', 'DESCENT_BENCH_TIME %e %M', process.execPath, CLI, 'predict', '--model', model, '--input', input, '--output', path.join(dir, 'out.csv')],
      { encoding: 'utf8' },
    );
    const match = /DESCENT_BENCH_TIME ([\d.]+) (\d+)/.exec(result.stderr ?? '');
    if (result.status !== 0 || !match) return { skipped: `descent predict failed: ${(result.stderr ?? '').trim().split('\n').pop()}` };
    return {
      rows: ROWS,
      inputMiB: statSync(input).size / 2 ** 20,
      seconds: Number(match[1]),
      peakRssMiB: Number(match[2]) / 1024,
      rowsPerSecond: ROWS / Number(match[1]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
