/**
 * The benchmark harness as a user drives it: its options, its errors and
 * the arithmetic of its table. (It checks what the numbers mean, never how
 * fast anything is: speed lives in `npm run bench` itself.)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';
import { denseBackward, denseForward } from '../src/backend/reference-kernels.js';
import { Rng } from '../src/rng.js';
import { addSample, median, summarizePeak, summarizeRows } from '../bench/summary.mjs';
import { createTfjsKernelTrial, initTfjs } from '../bench/peers/tfjs-peer.mjs';
import { expectClose } from './support/compare.js';

const BENCH = fileURLToPath(new URL('../bench/main.mjs', import.meta.url));

function bench(...args: string[]) {
  const result = spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Row {
  trial: string;
  backend: string;
  samplesPerSecond: number;
  usPerStep: number;
  gflops: number;
  percentOfPeak: number | null;
  nativeSpeedup: number | null;
  rounds: number;
}

describe('npm run bench', () => {
  it('--help lists every trial and backend', () => {
    const { code, stdout } = bench('--help');
    expect(code).toBe(0);
    for (const name of ['64-32-10 b32', '784-1024-1024-10 b1024', 'dense backward 1024x1024 b1024']) expect(stdout).toContain(name);
    expect(stdout).toMatch(/native, js, tfjs-cpu, tfjs-wasm, pytorch/);
  });

  it.each([
    [['--backends', 'native,torch'], /--backends: "torch" matches none of: native, js, tfjs-cpu, tfjs-wasm, pytorch/],
    [['--trials', '64-32-10 b32,777'], /--trials: "777" matches none of: 64-32-10 b32,/],
    [['--rounds', '0'], /--rounds expects an integer of at least 1, received "0"/],
    [['--time', 'fast'], /--time expects an integer of at least 1, received "fast"/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('%j is refused in one line that names the mistake', (args, message) => {
    const { code, stdout, stderr } = bench(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.runIf(nativeAvailable())('--json reports each backend on each trial with consistent figures', () => {
    const { code, stdout, stderr } = bench(
      '--trials', '64-32-10 b32,dense forward 784x512',
      '--backends', 'native,js',
      '--rounds', '1', '--time', '20', '--iterations', '1',
      '--no-memory', '--no-digits', '--no-fashion', '--no-predict', '--no-event-loop', '--no-fit-overhead', '--json',
    );
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.sgemmPeak.gflops).toBeGreaterThan(0);
    expect(result.sgemmPeak.measurements).toBe(2); // one before each trial
    expect(result.skipped).toEqual({});
    const rows: Row[] = result.rows;
    expect(rows.map((r) => `${r.trial} / ${r.backend}`)).toEqual([
      '64-32-10 b32 / descent native',
      '64-32-10 b32 / descent js',
      'dense forward 784x512 b256 / descent native',
      'dense forward 784x512 b256 / descent js',
    ]);
    // One step of 64-32-10 on 32 rows: forward 2*32*(64*32 + 32*10) flops,
    // backward twice that less the first layer's input gradient.
    const stepFlops = 2 * 32 * (64 * 32 + 32 * 10) * 2 + 2 * 32 * 32 * 10;
    const kernelFlops = 2 * 256 * 784 * 512;
    for (const row of rows) {
      const flops = row.trial.startsWith('64-32-10') ? stepFlops : kernelFlops;
      const batch = row.trial.startsWith('64-32-10') ? 32 : 256;
      expect(row.usPerStep).toBeGreaterThan(0);
      expect(row.gflops).toBeCloseTo(flops / row.usPerStep / 1e3, 9);
      expect(row.samplesPerSecond).toBeCloseTo((batch * 1e6) / row.usPerStep, 6);
      // Against the peak measured just before the trial (one round: that one).
      const before = result.sgemmPeak.all[row.trial.startsWith('64-32-10') ? 0 : 1];
      expect(row.percentOfPeak).toBeCloseTo((100 * row.gflops) / before, 9);
      const native = rows.find((r) => r.trial === row.trial && r.backend === 'descent native')!;
      expect(row.nativeSpeedup).toBeCloseTo(row.usPerStep / native.usPerStep, 9);
      expect(row.rounds).toBe(1);
    }
  });
});

describe('the table from the rounds', () => {
  it('median: the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('the sgemm peak is the median of its measurements', () => {
    const peaks = [180, 200, 190].map((gflops) => ({ size: 2048, threads: 2, blas: 'b', gflops }));
    expect(summarizePeak(peaks)).toEqual({ size: 2048, threads: 2, blas: 'b', gflops: 190, measurements: 3, all: [180, 200, 190] });
    expect(summarizePeak([])).toBeNull();
  });

  it('each cell is the median over rounds, and "native x" a ratio of medians', () => {
    const trial = { name: '64-32-10 b32', kind: 'step', layers: [64, 32, 10], batch: 32 };
    const samples = new Map();
    for (const us of [10, 30, 20]) addSample(samples, trial.name, 'descent native', us, 100); // median 20
    for (const us of [400, 100]) addSample(samples, trial.name, 'pytorch', us, 100); // median 250
    const rows = summarizeRows([trial], ['descent native', 'tfjs cpu', 'pytorch'], samples);
    expect(rows.map((r: { backend: string }) => r.backend)).toEqual(['descent native', 'pytorch']);
    const [native, torch] = rows;
    const flops = 2 * 32 * (64 * 32 + 32 * 10) * 2 + 2 * 32 * 32 * 10; // forward, dW, and dx above the first layer
    expect(native).toMatchObject({ usPerStep: 20, rounds: 3, nativeSpeedup: 1, samplesPerSecond: 1.6e6 });
    expect(native.gflops).toBeCloseTo(flops / 20 / 1e3, 12);
    expect(native.percentOfPeak).toBeCloseTo(native.gflops, 12); // of a 100 GFLOP/s peak
    expect(torch).toMatchObject({ usPerStep: 250, rounds: 2, nativeSpeedup: 12.5 });
  });

  it('the share of the peak is taken round by round against the peak measured just before', () => {
    const trial = { name: 'dense forward 10x10 b10', kind: 'forward', inputs: 10, outputs: 10, batch: 10 };
    const flops = 2 * 10 * 10 * 10; // 2000: 1 GFLOP/s at 2 us
    const samples = new Map();
    addSample(samples, trial.name, 'descent native', 2, 2); // 1 GFLOP/s of 2: 50%
    addSample(samples, trial.name, 'descent native', 4, 0.5); // a slow spell hit both: 0.5 of 0.5, 100%
    addSample(samples, trial.name, 'descent native', 2, 1); // 100%
    const [row] = summarizeRows([trial], ['descent native'], samples);
    expect(row.gflops).toBeCloseTo(flops / 2 / 1e3, 12);
    expect(row.percentOfPeak).toBeCloseTo(100, 12); // the median of 50, 100, 100
    const withoutPeak = new Map();
    addSample(withoutPeak, trial.name, 'descent native', 2, null);
    expect(summarizeRows([trial], ['descent native'], withoutPeak)[0].percentOfPeak).toBeNull();
  });
});

describe('the TensorFlow.js dense-kernel trials compute what descent\'s kernels compute', () => {
  const [batch, inputs, outputs] = [5, 7, 3];
  const rng = new Rng(11);
  const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const data = { x: random(batch * inputs), w: random(inputs * outputs), b: random(outputs), dy: random(batch * outputs) };
  const y = new Float32Array(batch * outputs);
  denseForward(y, data.x, data.w, data.b, batch, inputs, outputs, 'relu');
  const [dw, db, dx, dz] = [new Float32Array(inputs * outputs), new Float32Array(outputs), new Float32Array(batch * inputs), data.dy.slice()];
  denseBackward(dw, db, dx, dz, data.x, data.w, y, batch, inputs, outputs, 'relu');

  it.each(['cpu', 'wasm'])('on %s', async (backend) => {
    await initTfjs(backend);
    for (const kind of ['forward', 'backward']) {
      const trial = await createTfjsKernelTrial(backend, { name: 'check', kind, inputs, outputs, batch }, data);
      const results = trial.results();
      trial.step(); // runs and frees, leaving the inputs as they were
      if (kind === 'forward') {
        expectClose(results.y, y, `${backend} y`);
      } else {
        expectClose(results.dw, dw, `${backend} dw`);
        expectClose(results.db, db, `${backend} db`);
        expectClose(results.dx, dx, `${backend} dx`);
      }
      expectClose(trial.results()[kind === 'forward' ? 'y' : 'dw'], kind === 'forward' ? y : dw, `${backend} ${kind} again`);
      trial.dispose();
    }
  });
});
