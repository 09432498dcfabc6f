/**
 * Oracle tests: every native kernel against its reference twin on odd
 * shapes (1, primes, non-multiples of 8), every activation, every output /
 * loss pair and every optimizer, within atol + rtol.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  denseBackward,
  denseForward,
  optimizerUpdate,
  outputLoss,
  type UpdateHyper,
} from '../src/backend/reference-kernels.js';
import { loadNativeAddon, nativeAvailable, nativeBackend, nativeLoadError } from '../src/backend/native.js';
import { referenceBackend } from '../src/backend/reference.js';
import { initializeParameters, parameterLayout } from '../src/layout.js';
import { Rng } from '../src/rng.js';
import { ActivationCode, LossCode, OptimizerCode, OUTPUTS_FOR_LOSS, type LossName } from '../src/spec.js';
import { expectClose } from './support/compare.js';
import { updateHyper } from './support/optimizer.js';

function randomArray(rng: Rng, length: number, scale = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.normal() * scale;
  return out;
}

const SHAPES: [batch: number, inputs: number, outputs: number][] = [
  [1, 1, 1],
  [3, 7, 5],
  [1, 33, 17],
  [17, 33, 9],
  [13, 1, 31],
  [257, 129, 17],
  [31, 257, 129],
];

const ELEMENTWISE = ['linear', 'relu', 'leaky-relu', 'tanh', 'sigmoid'] as const;

// npm test builds the addon; if that failed, say so here rather than let
// every native suite below be skipped.
it('the native addon is built and loads', () => {
  expect(nativeAvailable(), nativeLoadError()?.message ?? '').toBe(true);
});

describe.runIf(nativeAvailable())('native kernels vs reference', () => {
  const { kernels } = nativeAvailable() ? loadNativeAddon() : ({} as never);

  it('loads and speaks the codes of src/spec.ts', () => {
    const addon = loadNativeAddon();
    expect(addon.codes.activation).toEqual({ ...ActivationCode });
    expect(addon.codes.loss).toEqual({ ...LossCode });
    expect(addon.codes.optimizer).toEqual({ ...OptimizerCode });
    expect(addon.blas.config).toMatch(/OpenBLAS/);
    expect(nativeLoadError()).toBeUndefined();
  });

  describe('denseForward', () => {
    for (const [batch, inputs, outputs] of SHAPES) {
      for (const act of [...ELEMENTWISE, 'softmax'] as const) {
        it(`${batch}x${inputs} -> ${outputs}, ${act}`, () => {
          const rng = new Rng(batch * 1000 + inputs * 10 + outputs);
          const x = randomArray(rng, batch * inputs);
          const w = randomArray(rng, inputs * outputs, 1 / Math.sqrt(inputs));
          const b = randomArray(rng, outputs, 0.5);
          const expected = new Float32Array(batch * outputs);
          denseForward(expected, x, w, b, batch, inputs, outputs, ActivationCode[act]);
          const actual = new Float32Array(batch * outputs).fill(NaN);
          kernels.denseForward(actual, x, w, b, batch, inputs, outputs, ActivationCode[act]);
          expectClose(actual, expected, `denseForward ${act}`);
        });
      }
    }

    it('is stable for large pre-activations (tanh, sigmoid, softmax saturate without NaN)', () => {
      const rng = new Rng(5);
      const [batch, inputs, outputs] = [9, 3, 11];
      const x = randomArray(rng, batch * inputs, 100);
      const w = randomArray(rng, inputs * outputs, 10);
      const b = randomArray(rng, outputs);
      for (const act of ['tanh', 'sigmoid', 'softmax'] as const) {
        const expected = new Float32Array(batch * outputs);
        denseForward(expected, x, w, b, batch, inputs, outputs, ActivationCode[act]);
        const actual = new Float32Array(batch * outputs);
        kernels.denseForward(actual, x, w, b, batch, inputs, outputs, ActivationCode[act]);
        expectClose(actual, expected, `saturated ${act}`, { atol: 1e-6, rtol: 1e-4 });
      }
    });

    it('keeps NaN inputs NaN (a diverged network must show a NaN loss)', () => {
      for (const act of [...ELEMENTWISE, 'softmax'] as const) {
        const y = new Float32Array(2);
        kernels.denseForward(y, new Float32Array([NaN]), new Float32Array([1, 1]), new Float32Array(2), 1, 1, 2, ActivationCode[act]);
        expect(Number.isNaN(y[0]) && Number.isNaN(y[1]), act).toBe(true);
      }
    });
  });

  describe('denseBackward', () => {
    for (const [batch, inputs, outputs] of SHAPES) {
      for (const act of ELEMENTWISE) {
        for (const withDx of [true, false]) {
          it(`${batch}x${inputs} -> ${outputs}, ${act}${withDx ? '' : ', first layer (no dx)'}`, () => {
            const rng = new Rng(batch * 7 + inputs * 3 + outputs);
            const x = randomArray(rng, batch * inputs);
            const w = randomArray(rng, inputs * outputs, 1 / Math.sqrt(inputs));
            const b = randomArray(rng, outputs, 0.1);
            const y = new Float32Array(batch * outputs);
            denseForward(y, x, w, b, batch, inputs, outputs, ActivationCode[act]);
            const dy = randomArray(rng, batch * outputs);

            const ref = {
              dw: new Float32Array(inputs * outputs),
              db: new Float32Array(outputs),
              dx: withDx ? new Float32Array(batch * inputs) : null,
              dy: dy.slice(),
            };
            denseBackward(ref.dw, ref.db, ref.dx, ref.dy, x, w, y, batch, inputs, outputs, ActivationCode[act]);
            const nat = {
              dw: new Float32Array(inputs * outputs).fill(NaN),
              db: new Float32Array(outputs).fill(NaN),
              dx: withDx ? new Float32Array(batch * inputs).fill(NaN) : null,
              dy: dy.slice(),
            };
            kernels.denseBackward(nat.dw, nat.db, nat.dx, nat.dy, x, w, y, batch, inputs, outputs, ActivationCode[act]);
            expectClose(nat.dy, ref.dy, 'dz');
            expectClose(nat.dw, ref.dw, 'dw');
            expectClose(nat.db, ref.db, 'db');
            if (withDx) expectClose(nat.dx!, ref.dx!, 'dx');
          });
        }
      }
    }
  });

  describe('denseForward and denseBackward over threads', () => {
    // [batch, inputs, outputs]; the last is large enough (8.7 MFLOP forward)
    // for threads = 0 to choose more than one thread on a multi-core machine.
    const shapes: [number, number, number][] = [
      [33, 257, 129],
      [1, 1, 1],
      [3, 17, 33],
      [129, 257, 131],
    ];
    // 3 is more parts than a 2-CPU pool has threads; 0 (and absent) chooses.
    const threadCounts = [1, 2, 3, 0, undefined] as const;

    function forwardCase(batch: number, inputs: number, outputs: number, seed: number) {
      const rng = new Rng(seed);
      return {
        x: randomArray(rng, batch * inputs),
        w: randomArray(rng, inputs * outputs, 1 / Math.sqrt(inputs)),
        b: randomArray(rng, outputs, 0.5),
      };
    }

    function backwardCase(batch: number, inputs: number, outputs: number, act: number, seed: number) {
      const { x, w, b } = forwardCase(batch, inputs, outputs, seed);
      const y = new Float32Array(batch * outputs);
      denseForward(y, x, w, b, batch, inputs, outputs, act);
      return { x, w, y, dy: randomArray(new Rng(seed + 1), batch * outputs) };
    }

    function nativeBackward(
      c: ReturnType<typeof backwardCase>,
      batch: number,
      inputs: number,
      outputs: number,
      act: number,
      withDx: boolean,
      threads: number | undefined,
    ) {
      const out = {
        dw: new Float32Array(inputs * outputs).fill(NaN),
        db: new Float32Array(outputs).fill(NaN),
        dx: withDx ? new Float32Array(batch * inputs).fill(NaN) : null,
        dy: c.dy.slice(),
      };
      kernels.denseBackward(out.dw, out.db, out.dx, out.dy, c.x, c.w, c.y, batch, inputs, outputs, act, threads);
      return out;
    }

    for (const [batch, inputs, outputs] of shapes) {
      for (const act of [...ELEMENTWISE, 'softmax'] as const) {
        it(`forward ${batch}x${inputs} -> ${outputs}, ${act}, threads ${threadCounts.join('/')}`, () => {
          const { x, w, b } = forwardCase(batch, inputs, outputs, batch + inputs + outputs);
          const expected = new Float32Array(batch * outputs);
          denseForward(expected, x, w, b, batch, inputs, outputs, ActivationCode[act]);
          for (const threads of threadCounts) {
            const actual = new Float32Array(batch * outputs).fill(NaN);
            kernels.denseForward(actual, x, w, b, batch, inputs, outputs, ActivationCode[act], threads);
            expectClose(actual, expected, `denseForward ${act}, threads ${threads}`);
          }
        });
      }
      for (const act of ELEMENTWISE) {
        for (const withDx of [true, false]) {
          it(`backward ${batch}x${inputs} -> ${outputs}, ${act}${withDx ? '' : ', no dx'}, threads ${threadCounts.join('/')}`, () => {
            const code = ActivationCode[act];
            const c = backwardCase(batch, inputs, outputs, code, batch * 3 + inputs + outputs);
            const ref = {
              dw: new Float32Array(inputs * outputs),
              db: new Float32Array(outputs),
              dx: withDx ? new Float32Array(batch * inputs) : null,
              dy: c.dy.slice(),
            };
            denseBackward(ref.dw, ref.db, ref.dx, ref.dy, c.x, c.w, c.y, batch, inputs, outputs, code);
            for (const threads of threadCounts) {
              const nat = nativeBackward(c, batch, inputs, outputs, code, withDx, threads);
              const label = `threads ${threads}`;
              expectClose(nat.dy, ref.dy, `dz, ${label}`);
              expectClose(nat.dw, ref.dw, `dw, ${label}`);
              expectClose(nat.db, ref.db, `db, ${label}`);
              if (withDx) expectClose(nat.dx!, ref.dx!, `dx, ${label}`);
            }
          });
        }
      }
    }

    it('gives bit-identical results for the same input and thread count', () => {
      const [batch, inputs, outputs] = [129, 257, 131];
      const relu = ActivationCode.relu;
      for (const threads of [2, 3]) {
        const { x, w, b } = forwardCase(batch, inputs, outputs, 11);
        const runs = [0, 1].map(() => {
          const y = new Float32Array(batch * outputs);
          kernels.denseForward(y, x, w, b, batch, inputs, outputs, relu, threads);
          return y;
        });
        expect(Buffer.from(runs[1].buffer).equals(Buffer.from(runs[0].buffer)), `forward, threads ${threads}`).toBe(true);

        const c = backwardCase(batch, inputs, outputs, relu, 12);
        for (const withDx of [true, false]) {
          const [first, second] = [0, 1].map(() => nativeBackward(c, batch, inputs, outputs, relu, withDx, threads));
          for (const key of ['dw', 'db', 'dx', 'dy'] as const) {
            if (first[key] === null) continue;
            const same = Buffer.from(second[key]!.buffer).equals(Buffer.from(first[key]!.buffer));
            expect(same, `backward ${key}${withDx ? '' : ' (no dx)'}, threads ${threads}`).toBe(true);
          }
        }
      }
    });

    it('rejects a threads argument that is not an integer in [0, 1024]', () => {
      const f = (n: number) => new Float32Array(n);
      for (const [value, shown] of [[-1, '-1'], [1.5, '1.5'], [1025, '1025'], [NaN, 'NaN']] as const) {
        expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 5, 0, value)).toThrow(
          `denseForward: threads must be an integer in [0, 1024], received ${shown}`,
        );
        expect(() =>
          kernels.denseBackward(f(35), f(5), f(21), f(15), f(21), f(35), f(15), 3, 7, 5, 0, value),
        ).toThrow(`denseBackward: threads must be an integer in [0, 1024], received ${shown}`);
      }
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 5, 0, '2' as never)).toThrow(
        /denseForward: threads must be an integer in \[0, 1024\], received the string "2"/,
      );
      expect(() => kernels.denseBackward(f(35), f(5), null, f(15), f(21), f(35), f(15), 3, 7, 5, 0, null as never)).toThrow(
        /denseBackward: threads must be an integer in \[0, 1024\], received null/,
      );
    });
  });

  describe('outputLoss', () => {
    const pairs = (Object.keys(OUTPUTS_FOR_LOSS) as LossName[]).flatMap((loss) =>
      OUTPUTS_FOR_LOSS[loss].map((output) => [loss, output] as const),
    );
    const shapes: [number, number][] = [
      [1, 1],
      [3, 7],
      [17, 10],
      [257, 33],
      [13, 1],
    ];
    for (const [loss, output] of pairs) {
      for (const [batch, outputs] of shapes) {
        if (loss === 'cross-entropy' && outputs === 1) continue;
        for (const targetsKind of loss === 'cross-entropy' ? ['labels'] : ['labels', 'targets']) {
          for (const scale of [1, 60]) {
            it(`${output} + ${loss}, ${batch}x${outputs}, ${targetsKind}, logits x${scale}`, () => {
              const rng = new Rng(batch * 31 + outputs + scale);
              const z = randomArray(rng, batch * outputs, scale);
              const classes = outputs === 1 ? 2 : outputs;
              const labels = new Int32Array(batch).map(() => rng.integer(classes));
              let targets: Float32Array | null = null;
              if (targetsKind === 'targets') {
                targets = new Float32Array(batch * outputs).map(() => (loss === 'mse' ? rng.normal() : rng.uniform()));
              }
              const expected = new Float32Array(batch * outputs);
              const ref = outputLoss(expected, z, labels, targets, batch, outputs, ActivationCode[output], LossCode[loss]);
              const actual = new Float32Array(batch * outputs).fill(NaN);
              const nat = kernels.outputLoss(actual, z, labels, targets, batch, outputs, ActivationCode[output], LossCode[loss]);
              expectClose(actual, expected, 'dz', { atol: 1e-7, rtol: 1e-5 });
              expect(Number.isFinite(nat.lossSum)).toBe(true);
              expect(Math.abs(nat.lossSum - ref.lossSum)).toBeLessThanOrEqual(1e-9 + 1e-6 * Math.abs(ref.lossSum));
              expect(nat.correct).toBe(ref.correct);
            });
          }
        }
      }
    }

    it('reports NaN logits as a NaN loss', () => {
      const z = new Float32Array([1, NaN, 2]);
      const result = kernels.outputLoss(new Float32Array(3), z, new Int32Array([0]), null, 1, 3, ActivationCode.softmax, LossCode['cross-entropy']);
      expect(result.lossSum).toBeNaN();
    });
  });

  describe('optimizerUpdate', () => {
    const settings: [string, Partial<UpdateHyper>][] = [
      ['sgd', { kind: OptimizerCode.sgd }],
      ['sgd + weight decay', { kind: OptimizerCode.sgd, weightDecay: 0.05 }],
      ['momentum', { kind: OptimizerCode.momentum }],
      ['momentum + weight decay', { kind: OptimizerCode.momentum, weightDecay: 0.05 }],
      ['nesterov', { kind: OptimizerCode.momentum, nesterov: true }],
      ['nesterov + weight decay', { kind: OptimizerCode.momentum, nesterov: true, weightDecay: 0.05 }],
      ['adam', { kind: OptimizerCode.adam }],
      ['adam + L2 weight decay', { kind: OptimizerCode.adam, weightDecay: 0.05 }],
      ['adamw', { kind: OptimizerCode.adamw, weightDecay: 0.05 }],
    ];
    for (const [name, overrides] of settings) {
      for (const count of [1, 7, 33, 1000]) {
        it(`${name}, ${count} parameters, 5 steps`, () => {
          const rng = new Rng(count + name.length);
          const p0 = randomArray(rng, count);
          const ref = { p: p0.slice(), m: new Float32Array(count), v: new Float32Array(count) };
          const nat = { p: p0.slice(), m: new Float32Array(count), v: new Float32Array(count) };
          for (let step = 1; step <= 5; step++) {
            const g = randomArray(rng, count, 0.3);
            const hyper: UpdateHyper = updateHyper({ lr: 0.05, step, ...overrides });
            optimizerUpdate(ref.p, g, ref.m, ref.v, count, hyper);
            kernels.optimizerUpdate(nat.p, g, nat.m, nat.v, count, hyper);
          }
          expectClose(nat.p, ref.p, 'p', { atol: 1e-6, rtol: 1e-5 });
          expectClose(nat.m, ref.m, 'm', { atol: 1e-6, rtol: 1e-5 });
          expectClose(nat.v, ref.v, 'v', { atol: 1e-6, rtol: 1e-5 });
        });
      }
    }

    it('accepts null moments for sgd', () => {
      const p = new Float32Array([1, 2]);
      kernels.optimizerUpdate(p, new Float32Array([1, 1]), null, null, 2, updateHyper({ lr: 0.5, momentum: 0 }));
      expect([...p]).toEqual([0.5, 1.5]);
    });
  });

  describe('sgemm', () => {
    for (const [m, n, k] of [[1, 1, 1], [17, 9, 33], [257, 31, 129]] as const) {
      for (const threads of [1, 2, 3]) {
        it(`${m}x${k} times ${k}x${n}, ${threads} thread(s)`, () => {
          const rng = new Rng(m + n + k);
          const a = randomArray(rng, m * k);
          const b = randomArray(rng, k * n);
          const expected = new Float32Array(m * n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let sum = 0;
              for (let p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j];
              expected[i * n + j] = sum;
            }
          }
          const c = new Float32Array(m * n).fill(NaN);
          kernels.sgemm(c, a, b, m, n, k, threads);
          expectClose(c, expected, 'sgemm');
        });
      }
    }
  });

  describe('predict', () => {
    for (const [sizes, activation, output] of [
      [[5, 1], 'relu', 'sigmoid'],
      [[7, 13, 3], 'tanh', 'softmax'],
      [[33, 17, 9, 2], 'leaky-relu', 'linear'],
      [[64, 129, 10], 'sigmoid', 'tanh'],
    ] as const) {
      for (const n of [1, 17, 300]) {
        it(`${sizes.join('-')} ${activation}/${output}, ${n} rows`, () => {
          const layout = parameterLayout(sizes);
          const params = new Float32Array(layout.size);
          initializeParameters(params, layout, 'glorot', n);
          const rng = new Rng(n);
          const x = randomArray(rng, n * sizes[0]);
          const shape = { sizes, activation, output, loss: 'mse' } as const;
          const outputs = sizes[sizes.length - 1];
          const expected = new Float32Array(n * outputs);
          referenceBackend.predict(params, shape, x, n, expected);
          const actual = new Float32Array(n * outputs).fill(NaN);
          nativeBackend.predict(params, shape, x, n, actual);
          expectClose(actual, expected, 'predict');
        });
      }
    }

    it('splits a large input over threads with the same result', () => {
      const sizes = [64, 256, 10];
      const layout = parameterLayout(sizes);
      const params = new Float32Array(layout.size);
      initializeParameters(params, layout, 'he', 1);
      const n = 5003;
      const x = randomArray(new Rng(2), n * 64);
      const shape = { sizes, activation: 'relu', output: 'softmax', loss: 'cross-entropy' } as const;
      const expected = new Float32Array(n * 10);
      referenceBackend.predict(params, shape, x, n, expected);
      const actual = new Float32Array(n * 10).fill(NaN);
      nativeBackend.predict(params, shape, x, n, actual);
      expectClose(actual, expected, 'predict');
    });
  });
});

describe('when the addon cannot be loaded', () => {
  // A child process with DESCENT_NATIVE_PATH naming a missing file: the
  // only candidate then, so the loader must fail and say how to fix it.
  const script = `
    import { Network, nativeAvailable, nativeLoadError } from './dist/index.js';
    const auto = new Network({ layers: [2, 2], backend: 'auto' });
    new Network({ layers: [2, 2] });
    let message = '';
    try { new Network({ layers: [2, 2], backend: 'native' }); } catch (e) { message = e.message; }
    console.log(JSON.stringify({ available: nativeAvailable(), auto: auto.backend.name, message, same: message === nativeLoadError().message }));
  `;
  it("'auto' falls back to js and 'native' throws one error listing what was tried and the fix", () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DESCENT_NATIVE_PATH: '/nonexistent/descent_native.node' },
    });
    // One warning, the first time 'auto' settles for js.
    expect(result.stderr.match(/DESCENT_NATIVE_UNAVAILABLE/g)).toHaveLength(1);
    expect(result.stderr).toMatch(/backend 'auto' uses the slower js backend. Build it with `npm run build:native`/);
    const report = JSON.parse(result.stdout);
    expect(report.available).toBe(false);
    expect(report.auto).toBe('js');
    expect(report.same).toBe(true);
    expect(report.message).toMatch(/the native backend could not be loaded. Tried:/);
    expect(report.message).toMatch(/DESCENT_NATIVE_PATH=\/nonexistent\/descent_native.node: Cannot find module/);
    expect(report.message).toMatch(/npm run build:native/);
    expect(report.message).toMatch(/apt-get install libopenblas-dev cmake g\+\+/);
  });
});
