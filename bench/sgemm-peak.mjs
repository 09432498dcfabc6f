// The machine's sgemm roof, measured in the same run: a large square
// cblas_sgemm through the native addon, split by rows over all cores (one
// single-threaded OpenBLAS call per core). main.mjs measures it just
// before each trial of each round, so machine noise hits it as it hits them.
import os from 'node:os';
import { nativeAvailable, loadNativeAddon } from '../dist/backend/native.js';
import { timeCalls } from './measure.mjs';

const SIZE = 2048;

// The operands, made once: the peak is measured dozens of times a run.
let operands = null;
function sgemmOperands() {
  operands ??= {
    a: new Float32Array(SIZE * SIZE).map((_, i) => ((i * 7919) % 1000) / 1000),
    b: new Float32Array(SIZE * SIZE).map((_, i) => ((i * 104729) % 1000) / 1000),
    c: new Float32Array(SIZE * SIZE),
  };
  return operands;
}

export async function measureSgemmPeak(timeMs = 750) {
  if (!nativeAvailable()) return null;
  const addon = loadNativeAddon();
  const { a, b, c } = sgemmOperands();
  const threads = os.availableParallelism();
  const { usPerStep } = await timeCalls(
    'sgemm',
    { stepsPerCall: 1, call: () => addon.kernels.sgemm(c, a, b, SIZE, SIZE, SIZE, threads) },
    { timeMs, minIterations: 5 },
  );
  return {
    size: SIZE,
    threads,
    gflops: (2 * SIZE ** 3) / usPerStep / 1e3,
    blas: `${addon.blas.config.trim()} (core ${addon.blas.core})`,
  };
}
