// fit's fixed cost on small data: a whole job of 8,192 x 64 rows, 64-32-10
// at batch 32 for 5 epochs (defaults otherwise: Adam, cosine), through
// Network.fit on descent native, and the same job through PyTorch's usual
// loop (bench/peers/torch_peer.py, mode "fit"). Reported: the median time
// from the fit call to the trainer's first epoch call (the fixed cost:
// checks, copies, the trainer's preparation; target at most 2 ms plus the
// data's copy at 2 GB/s), the median fit, and how many times faster than
// PyTorch descent's whole fit is (target at least 8x). Each checkout runs
// in a fresh process of its own, interleaved with --baseline's.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const PEER = fileURLToPath(new URL('./peers/torch_peer.py', import.meta.url));
const JOB = { n: 8192, layers: [64, 32, 10], batch: 32, epochs: 5, lr: 0.002 };
const RUNS = 25;
const ROUNDS = 3;
const FIXED_TARGET_MS = 2;
const COPY_BYTES_PER_MS = 2e9 / 1000;
const SPEEDUP_TARGET = 8;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** In a fresh process: RUNS fits after two untimed ones, from the checkout whose dist/ is given. */
async function child(root) {
  const { Network } = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
  const { loadNativeAddon } = await import(pathToFileURL(path.join(root, 'dist', 'backend', 'native.js')).href);
  const addon = loadNativeAddon();
  let firstEpochAt = null;
  const Trainer = addon.Trainer;
  // Notes when the trainer is first asked to train (the end of fit's fixed cost).
  const Watched = function (...args) {
    const handle = new Trainer(...args);
    return new Proxy(handle, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        if (key === 'trainEpoch') return (...a) => ((firstEpochAt ??= performance.now()), value.apply(target, a));
        return value.bind(target);
      },
    });
  };
  Object.defineProperty(addon, 'Trainer', { value: Watched });
  const { n, layers } = JOB;
  const x = new Float32Array(n * layers[0]);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 4096) / 4096;
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % layers.at(-1));
  const data = { x, y, n, features: layers[0], classes: layers.at(-1) };
  const fixed = [];
  const fits = [];
  for (let run = -2; run < RUNS; run++) {
    const net = new Network({ layers, backend: 'native', seed: run + 2 });
    firstEpochAt = null;
    const started = performance.now();
    await net.fit(data, { epochs: JOB.epochs, batchSize: JOB.batch, lr: JOB.lr });
    const ended = performance.now();
    if (run < 0) continue;
    fixed.push(firstEpochAt - started);
    fits.push(ended - started);
  }
  process.stdout.write(`${JSON.stringify({ fixedMs: median(fixed), fitMs: median(fits), copyBytes: x.byteLength + y.byteLength })}\n`);
}

function runChild(root) {
  const out = spawnSync(process.execPath, [SELF, '--child', root], { encoding: 'utf8', timeout: 300_000 });
  if (out.status !== 0) return { error: (out.stderr ?? '').trim().split('\n').pop() };
  return JSON.parse(out.stdout.trim().split('\n').pop());
}

function runTorch() {
  const out = spawnSync('/usr/bin/python3', [PEER, JSON.stringify({ mode: 'fit', ...JOB, runs: 7 })], { encoding: 'utf8', timeout: 300_000 });
  try {
    return JSON.parse(out.stdout.trim().split('\n').pop());
  } catch {
    return { skipped: `exit ${out.status}: ${(out.stderr || '').trim().split('\n').pop()}` };
  }
}

/** The job on this checkout (and on the baseline's), and on PyTorch, in ROUNDS interleaved rounds. */
export function measureFitOverhead(log, baselineDir = null) {
  const roots = { native: path.resolve(path.dirname(SELF), '..') };
  if (baselineDir) roots.baseline = path.resolve(baselineDir);
  const samples = Object.fromEntries(Object.keys(roots).map((k) => [k, []]));
  const torch = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, root] of Object.entries(roots)) {
      log(`fit overhead, round ${round}/${ROUNDS}: descent ${name}`);
      const result = runChild(root);
      if (result.error) return { skipped: `${name}: ${result.error}` };
      samples[name].push(result);
    }
    log(`fit overhead, round ${round}/${ROUNDS}: pytorch`);
    const peer = runTorch();
    if (peer.medianSeconds !== undefined) torch.push(peer.medianSeconds * 1000);
    else if (round === 1) log(`fit overhead: pytorch skipped: ${peer.skipped ?? peer.error}`);
  }
  const summary = {};
  for (const [name, runs] of Object.entries(samples)) {
    const copyBytes = runs[0].copyBytes;
    summary[name] = {
      fixedMs: median(runs.map((r) => r.fixedMs)),
      fitMs: median(runs.map((r) => r.fitMs)),
      fixedTargetMs: FIXED_TARGET_MS + copyBytes / COPY_BYTES_PER_MS,
    };
  }
  const pytorchMs = torch.length > 0 ? median(torch) : null;
  const speedup = pytorchMs === null ? null : pytorchMs / summary.native.fitMs;
  return {
    job: JOB,
    descent: summary,
    pytorchMs,
    speedup,
    speedupTarget: SPEEDUP_TARGET,
    pass: summary.native.fixedMs <= summary.native.fixedTargetMs && (speedup === null || speedup >= SPEEDUP_TARGET),
  };
}

if (process.argv[2] === '--child') await child(process.argv[3]);
