#!/usr/bin/env node
// npm run bench: every trial on every backend and peer, interleaved in
// rounds so machine noise hits all alike, then a table of samples/s,
// us/step, GFLOP/s, share of the sgemm peak measured in the same run, and
// the native backend's speed over each peer.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ALL_TRIALS } from './trials.mjs';
import { jsContestant, nativeContestant, tfjsContestant, torchContestant } from './contestants.mjs';
import { measureSgemmPeak } from './sgemm-peak.mjs';
import { printTable } from './report.mjs';
import { addSample, summarizePeak, summarizeRows } from './summary.mjs';
import { compareDigits } from './digits.mjs';
import { compareFashionMnist } from './fashion-mnist.mjs';
import { timeDoctor } from './doctor.mjs';
import { measureEventLoop } from './event-loop.mjs';
import { measureFitOverhead } from './fit-overhead.mjs';
import { measurePredictMemory } from './predict-memory.mjs';
import { nativeAvailable } from '../dist/backend/native.js';

const CONTESTANTS = ['native', 'js', 'tfjs-cpu', 'tfjs-wasm', 'pytorch'];
const HELP = `npm run bench -- [options]

  --trials <list>     comma-separated trial names or parts of names (default: all)
                      ${ALL_TRIALS.map((t) => `"${t.name}"`).join(', ')}
  --backends <list>   comma-separated: ${CONTESTANTS.join(', ')} (default: all)
  --rounds <n>        interleaved rounds; each cell is the median over rounds (default 3)
  --time <ms>         time budget of one measurement (default 500)
  --iterations <n>    fewest timed calls per measurement of descent native and
                      PyTorch (default 5); the js reference and both tfjs backends,
                      seconds per call on the big trials, take at least 1
  --threads <n>       native threads (default 0: chosen by size)
  --baseline <dir>    also run descent native from another checkout (built, e.g. a
                      git worktree of an earlier commit) in the same rounds, as
                      "native @<commit>": a change's cost measured side by side
  --no-memory         skip the peak-RSS comparison
  --no-digits         skip descent train --data digits on js and native (seeds 0-4)
  --no-fashion        skip descent train --data fashion-mnist against PyTorch (a few minutes)
  --no-predict        skip descent predict over a generated 1,000,000-row CSV (its peak RSS)
  --no-doctor         skip timing diagnose() on the digits (target: under 2 s)
  --no-event-loop     skip the longest event-loop gap during native fits of
                      Fashion-MNIST and predictAsync of 100,000 rows (target: 20 ms)
  --no-fit-overhead   skip fit's fixed cost on small data (8,192 x 64, 5 epochs)
                      and that job through fit against PyTorch's loop (target: 8x)
  --only-jobs         run only the jobs above (no trial table)
  --json              print the results as JSON instead of a table
  -h, --help          this text

PyTorch runs through /usr/bin/python3 when it can import torch (Debian: apt-get
install python3-torch); otherwise its column says why it was skipped.`;

/** A mistake on the command line: reported in one line, with no stack. */
class UsageError extends Error {}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        trials: { type: 'string' },
        backends: { type: 'string' },
        rounds: { type: 'string', default: '3' },
        time: { type: 'string', default: '500' },
        iterations: { type: 'string', default: '5' },
        threads: { type: 'string', default: '0' },
        baseline: { type: 'string' },
        'no-memory': { type: 'boolean', default: false },
        'no-digits': { type: 'boolean', default: false },
        'no-fashion': { type: 'boolean', default: false },
        'no-predict': { type: 'boolean', default: false },
        'no-doctor': { type: 'boolean', default: false },
        'no-event-loop': { type: 'boolean', default: false },
        'no-fit-overhead': { type: 'boolean', default: false },
        'only-jobs': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const positive = (flag, text, min = 1) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} expects an integer of at least ${min}, received "${text}"`);
    return n;
  };
  // Every entry of the list must name (a part of) at least one item.
  const pick = (flag, text, all, label, exact) => {
    if (!text) return all;
    const wanted = text.split(',').map((s) => s.trim()).filter(Boolean);
    const matches = (item, w) => (exact ? label(item) === w : label(item).includes(w));
    for (const w of wanted) {
      if (!all.some((item) => matches(item, w))) {
        throw new UsageError(`--${flag}: "${w}" matches none of: ${all.map(label).join(', ')}`);
      }
    }
    const chosen = all.filter((item) => wanted.some((w) => matches(item, w)));
    if (chosen.length === 0) throw new UsageError(`--${flag} "${text}" names nothing`);
    return chosen;
  };
  return {
    trials: pick('trials', values.trials, ALL_TRIALS, (t) => t.name, false),
    backends: pick('backends', values.backends, CONTESTANTS, (b) => b, true),
    rounds: positive('rounds', values.rounds),
    timeMs: positive('time', values.time),
    minIterations: positive('iterations', values.iterations),
    threads: positive('threads', values.threads, 0),
    baseline: values.baseline ?? null,
    memory: !values['no-memory'],
    digits: !values['no-digits'],
    fashion: !values['no-fashion'],
    predict: !values['no-predict'],
    doctor: !values['no-doctor'],
    eventLoop: !values['no-event-loop'],
    fitOverhead: !values['no-fit-overhead'],
    onlyJobs: values['only-jobs'],
    json: values.json,
  };
}

/**
 * descent native as another checkout builds it, loaded through that
 * checkout's own bench and dist (its API may differ from this one's).
 */
async function baselineContestant(dir, threads) {
  const root = path.resolve(dir);
  const entry = path.join(root, 'bench', 'contestants.mjs');
  if (!existsSync(entry) || !existsSync(path.join(root, 'dist', 'index.js'))) {
    throw new UsageError(`--baseline: ${root} is not a built descent checkout (no bench/contestants.mjs or dist/index.js)`);
  }
  const { nativeContestant: theirs } = await import(pathToFileURL(entry).href);
  const commit = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim();
  return { ...theirs(threads), name: `native @${commit || path.basename(root)}` };
}

async function loadContestants(names, threads) {
  const loaders = {
    native: () => nativeContestant(threads),
    js: () => jsContestant(),
    'tfjs-cpu': () => tfjsContestant('cpu'),
    'tfjs-wasm': () => tfjsContestant('wasm'),
    pytorch: () => torchContestant(),
  };
  const contestants = [];
  for (const name of names) contestants.push(await loaders[name]());
  return contestants;
}

function measureMemory(log) {
  const run = (command, args) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    const line = result.stdout.trim().split('\n').pop();
    try {
      return JSON.parse(line);
    } catch {
      return { skipped: `exit ${result.status}: ${(result.stderr || '').trim().split('\n').pop()}` };
    }
  };
  log('memory: one epoch of 60,000 x 784, 784-256-128-10, batch 128 ...');
  const script = fileURLToPath(new URL('./memory-native.mjs', import.meta.url));
  // descent's own path for pixel data keeps bytes; float32 inputs, as
  // PyTorch's job holds them, are measured too.
  const native = run(process.execPath, [script]);
  const nativeFloat = run(process.execPath, [script, '--float']);
  const torch = run('/usr/bin/python3', [
    fileURLToPath(new URL('./peers/torch_peer.py', import.meta.url)),
    JSON.stringify({ mode: 'memory', n: 60000, features: 784, layers: [784, 256, 128, 10], batch: 128 }),
  ]);
  return { native, 'native float32': nativeFloat, pytorch: torch };
}

async function main() {
  const options = parseOptions();
  const log = (message) => process.stderr.write(`${message}\n`);
  const contestants = await loadContestants(options.backends, options.threads);
  if (options.baseline) contestants.splice(1, 0, await baselineContestant(options.baseline, options.threads));
  const running = contestants.filter((c) => !c.skipped);
  for (const c of contestants.filter((c) => c.skipped)) log(`${c.name}: skipped: ${c.skipped}`);

  const samples = new Map(); // see addSample
  const peaks = [];
  for (let round = 1; round <= (options.onlyJobs ? 0 : options.rounds); round++) {
    for (const trial of options.trials) {
      // The roof, measured just before the trial: a trial's share of the
      // peak is taken against it, so a slow spell of the machine that hits
      // both cancels out.
      log(`round ${round}/${options.rounds}: sgemm peak (a large native sgemm)`);
      const peak = await measureSgemmPeak();
      if (peak) peaks.push(peak);
      // Rotate who goes first so no contestant always runs on a cold or warm machine.
      const order = running.map((_, i) => running[(i + round) % running.length]);
      for (const contestant of order) {
        if (!contestant.supports(trial)) continue;
        log(`round ${round}/${options.rounds}: ${trial.name} on ${contestant.name}`);
        const { usPerStep } = await contestant.measure(trial, options);
        addSample(samples, trial.name, contestant.name, usPerStep, peak?.gflops ?? null);
      }
    }
  }
  for (const c of running) c.close();
  const peak = summarizePeak(peaks);

  const rows = summarizeRows(options.trials, running.map((c) => c.name), samples);
  const memory = options.memory ? measureMemory(log) : null;
  const digits = options.digits ? compareDigits(nativeAvailable() ? ['js', 'native'] : ['js'], log) : null;
  const fashion = options.fashion ? compareFashionMnist(log) : null;
  const predict = options.predict ? await measurePredictMemory(log) : null;
  const doctor = options.doctor ? await timeDoctor(log) : null;
  const eventLoop = options.eventLoop && nativeAvailable() ? measureEventLoop(log, options.baseline) : null;
  const fitOverhead = options.fitOverhead && nativeAvailable() ? measureFitOverhead(log, options.baseline) : null;
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    blas: peak?.blas ?? null,
  };
  const skipped = Object.fromEntries(contestants.filter((c) => c.skipped).map((c) => [c.name, c.skipped]));
  const result = { machine, sgemmPeak: peak, rounds: options.rounds, rows, memory, digits, fashion, predict, doctor, eventLoop, fitOverhead, skipped };
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printTable(result);
}

main().catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`bench: ${error.message}\n(npm run bench -- --help lists the options)\n`);
    process.exit(2);
  }
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
