/**
 * Oracle tests: every native kernel against its reference twin on odd
 * shapes (1, primes, non-multiples of 8), every activation, every output /
 * loss pair and every optimizer, within atol + rtol.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  activationBackward,
  activationForward,
  denseBackward,
  denseForward,
  dropoutBackward,
  dropoutForward,
  optimizerUpdate,
  outputLoss,
} from '../src/backend/reference-kernels.js';
import { loadNativeAddon, nativeAvailable, nativeBackend, nativeLoadError, nativeUnsupported } from '../src/backend/native.js';
import { referenceBackend } from '../src/backend/reference.js';
import { initializeParameters, shorthandPlan } from '../src/build-plan.js';
import { ACTIVATIONS } from '../src/ops/activations/index.js';
import { LOSSES_BY_NAME, type LossName } from '../src/ops/losses/index.js';
import { OPTIMIZERS_BY_NAME, optimizerOp } from '../src/ops/optimizers/index.js';
import { LAYER_KIND_NAMES } from '../src/ops/layers/index.js';
import type { UpdateHyper } from '../src/ops/types.js';
import { Rng } from '../src/rng.js';
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

/** Every element-wise activation of the registry, and those whose derivative reads their output (the ones denseBackward fuses). */
const ELEMENTWISE = Object.values(ACTIVATIONS).filter((op) => !op.rowwise).map((op) => op.name);
const FROM_OUTPUT = Object.values(ACTIVATIONS).filter((op) => op.derivative === 'output').map((op) => op.name);
const ROWWISE = Object.values(ACTIVATIONS).filter((op) => op.rowwise).map((op) => op.name);

// npm test builds the addon; if that failed, say so here rather than let
// every native suite below be skipped.
it('the native addon is built and loads', () => {
  expect(nativeAvailable(), nativeLoadError()?.message ?? '').toBe(true);
});

describe.runIf(nativeAvailable())('native kernels vs reference', () => {
  const { kernels } = nativeAvailable() ? loadNativeAddon() : ({} as never);

  it('loads, and its op tables are the TypeScript registry entry for entry', () => {
    const addon = loadNativeAddon();
    expect(Object.keys(addon.ops.activation).sort()).toEqual(Object.keys(ACTIVATIONS).sort());
    for (const [name, op] of Object.entries(ACTIVATIONS)) {
      expect(addon.ops.activation[name], name).toEqual({ hidden: op.hidden, output: op.output, derivative: op.derivative });
    }
    expect(Object.keys(addon.ops.loss).sort()).toEqual(Object.keys(LOSSES_BY_NAME).sort());
    for (const [name, op] of Object.entries(LOSSES_BY_NAME)) expect([...addon.ops.loss[name].outputs].sort(), name).toEqual([...op.outputs].sort());
    expect(Object.keys(addon.ops.optimizer).sort()).toEqual(Object.keys(OPTIMIZERS_BY_NAME).sort());
    for (const [name, op] of Object.entries(OPTIMIZERS_BY_NAME)) expect(addon.ops.optimizer[name].slots, name).toBe(op.slots);
    expect([...addon.ops.layer].sort()).toEqual([...LAYER_KIND_NAMES].sort());
    expect(addon.blas.config).toMatch(/OpenBLAS/);
    expect(nativeLoadError()).toBeUndefined();
  });

  it('names the layer and field of an op an older build lacks', () => {
    const addon = loadNativeAddon();
    const old = { ...addon, ops: { ...addon.ops, activation: Object.fromEntries(Object.entries(addon.ops.activation).filter(([name]) => name !== 'gelu')) } };
    const plan = shorthandPlan({ layers: [3, 4, 2], activation: 'gelu' });
    const error = nativeUnsupported(plan, old);
    expect(error).toBeInstanceOf(TypeError);
    expect(error!.message).toMatch(/plan\[1\].activation "gelu" is not in this build of the native addon \(built before it existed\): rebuild the addon/);
    expect(nativeUnsupported(shorthandPlan({ layers: [3, 4, 2] }), old)).toBeNull();
  });

  describe('denseForward', () => {
    for (const [batch, inputs, outputs] of SHAPES) {
      for (const act of [...ELEMENTWISE, ...ROWWISE]) {
        it(`${batch}x${inputs} -> ${outputs}, ${act}`, () => {
          const rng = new Rng(batch * 1000 + inputs * 10 + outputs);
          const x = randomArray(rng, batch * inputs);
          const w = randomArray(rng, inputs * outputs, 1 / Math.sqrt(inputs));
          const b = randomArray(rng, outputs, 0.5);
          const expected = new Float32Array(batch * outputs);
          denseForward(expected, x, w, b, batch, inputs, outputs, act);
          const actual = new Float32Array(batch * outputs).fill(NaN);
          kernels.denseForward(actual, x, w, b, batch, inputs, outputs, act);
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
        denseForward(expected, x, w, b, batch, inputs, outputs, act);
        const actual = new Float32Array(batch * outputs);
        kernels.denseForward(actual, x, w, b, batch, inputs, outputs, act);
        expectClose(actual, expected, `saturated ${act}`, { atol: 1e-6, rtol: 1e-4 });
      }
    });

    it('keeps NaN inputs NaN (a diverged network must show a NaN loss)', () => {
      for (const act of [...ELEMENTWISE, ...ROWWISE]) {
        const y = new Float32Array(2);
        kernels.denseForward(y, new Float32Array([NaN]), new Float32Array([1, 1]), new Float32Array(2), 1, 1, 2, act);
        expect(Number.isNaN(y[0]) && Number.isNaN(y[1]), act).toBe(true);
      }
    });
  });

  describe('denseBackward', () => {
    for (const [batch, inputs, outputs] of SHAPES) {
      for (const act of FROM_OUTPUT) {
        for (const withDx of [true, false]) {
          it(`${batch}x${inputs} -> ${outputs}, ${act}${withDx ? '' : ', first layer (no dx)'}`, () => {
            const rng = new Rng(batch * 7 + inputs * 3 + outputs);
            const x = randomArray(rng, batch * inputs);
            const w = randomArray(rng, inputs * outputs, 1 / Math.sqrt(inputs));
            const b = randomArray(rng, outputs, 0.1);
            const y = new Float32Array(batch * outputs);
            denseForward(y, x, w, b, batch, inputs, outputs, act);
            const dy = randomArray(rng, batch * outputs);

            const ref = {
              dw: new Float32Array(inputs * outputs),
              db: new Float32Array(outputs),
              dx: withDx ? new Float32Array(batch * inputs) : null,
              dy: dy.slice(),
            };
            denseBackward(ref.dw, ref.db, ref.dx, ref.dy, x, w, y, batch, inputs, outputs, act);
            const nat = {
              dw: new Float32Array(inputs * outputs).fill(NaN),
              db: new Float32Array(outputs).fill(NaN),
              dx: withDx ? new Float32Array(batch * inputs).fill(NaN) : null,
              dy: dy.slice(),
            };
            kernels.denseBackward(nat.dw, nat.db, nat.dx, nat.dy, x, w, y, batch, inputs, outputs, act);
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

    function backwardCase(batch: number, inputs: number, outputs: number, act: string, seed: number) {
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
      act: string,
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
      for (const act of [...ELEMENTWISE, ...ROWWISE]) {
        it(`forward ${batch}x${inputs} -> ${outputs}, ${act}, threads ${threadCounts.join('/')}`, () => {
          const { x, w, b } = forwardCase(batch, inputs, outputs, batch + inputs + outputs);
          const expected = new Float32Array(batch * outputs);
          denseForward(expected, x, w, b, batch, inputs, outputs, act);
          for (const threads of threadCounts) {
            const actual = new Float32Array(batch * outputs).fill(NaN);
            kernels.denseForward(actual, x, w, b, batch, inputs, outputs, act, threads);
            expectClose(actual, expected, `denseForward ${act}, threads ${threads}`);
          }
        });
      }
      for (const act of FROM_OUTPUT) {
        for (const withDx of [true, false]) {
          it(`backward ${batch}x${inputs} -> ${outputs}, ${act}${withDx ? '' : ', no dx'}, threads ${threadCounts.join('/')}`, () => {
            const code = act;
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
      const relu = 'relu';
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

    it('rejects a threads argument that is not an integer in [0, 64]', () => {
      const f = (n: number) => new Float32Array(n);
      for (const [value, shown] of [[-1, '-1'], [1.5, '1.5'], [65, '65'], [NaN, 'NaN']] as const) {
        expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 5, 'linear', value)).toThrow(
          `denseForward: threads must be an integer in [0, 64], received ${shown}`,
        );
        expect(() =>
          kernels.denseBackward(f(35), f(5), f(21), f(15), f(21), f(35), f(15), 3, 7, 5, 'linear', value),
        ).toThrow(`denseBackward: threads must be an integer in [0, 64], received ${shown}`);
      }
      expect(() => kernels.denseForward(f(15), f(21), f(35), f(5), 3, 7, 5, 'linear', '2' as never)).toThrow(
        /denseForward: threads must be an integer in \[0, 64\], received the string "2"/,
      );
      expect(() => kernels.denseBackward(f(35), f(5), null, f(15), f(21), f(35), f(15), 3, 7, 5, 'linear', null as never)).toThrow(
        /denseBackward: threads must be an integer in \[0, 64\], received null/,
      );
    });
  });

  describe('activationForward and activationBackward', () => {
    for (const act of ELEMENTWISE) {
      for (const count of [1, 7, 33, 1000]) {
        it(`${act}, ${count} values`, () => {
          const rng = new Rng(count + act.length);
          const z = randomArray(rng, count, 3);
          const dy = randomArray(rng, count);
          const a = new Float32Array(count);
          activationForward(a, z, count, act);
          const nativeA = new Float32Array(count).fill(NaN);
          kernels.activationForward(nativeA, z, count, act);
          expectClose(nativeA, a, `${act} forward`);
          const dz = new Float32Array(count);
          activationBackward(dz, dy, z, a, count, act);
          const nativeDz = new Float32Array(count).fill(NaN);
          kernels.activationBackward(nativeDz, dy, z, nativeA, count, act);
          expectClose(nativeDz, dz, `${act} backward`);
        });
      }
    }
  });

  describe('dropoutForward and dropoutBackward draw the same mask as the reference', () => {
    for (const rate of [0, 0.1, 0.5, 0.9]) {
      for (const [rows, width] of [[1, 1], [3, 7], [257, 33]] as const) {
        it(`rate ${rate}, ${rows}x${width}`, () => {
          const rng = new Rng(rows + width);
          const x = randomArray(rng, rows * width);
          const key = [2 ** 40 + 7, 3, 11, 2] as const;
          const y = new Float32Array(rows * width);
          dropoutForward(y, x, rows, width, rate, ...key);
          const nativeY = new Float32Array(rows * width).fill(NaN);
          kernels.dropoutForward(nativeY, x, rows, width, rate, ...key);
          expect(Array.from(nativeY)).toEqual(Array.from(y));
          const dx = new Float32Array(rows * width);
          dropoutBackward(dx, x, rows, width, rate, ...key);
          const nativeDx = new Float32Array(rows * width).fill(NaN);
          kernels.dropoutBackward(nativeDx, x, rows, width, rate, ...key);
          expect(Array.from(nativeDx)).toEqual(Array.from(dx));
          if (rows * width >= 1000) {
            const dropped = y.filter((v) => v === 0).length / y.length;
            expect(Math.abs(dropped - rate)).toBeLessThan(0.05);
          }
        });
      }
    }

    it('another epoch, step or layer draws another mask', () => {
      const x = new Float32Array(4000).fill(1);
      const masks = [[1, 0, 1], [2, 0, 1], [1, 1, 1], [1, 0, 2]].map(([epoch, step, layer]) => {
        const y = new Float32Array(4000);
        kernels.dropoutForward(y, x, 40, 100, 0.5, 9, epoch, step, layer);
        return Array.from(y, (v) => (v === 0 ? 0 : 1)).join('');
      });
      expect(new Set(masks).size).toBe(4);
    });
  });

  describe('outputLoss', () => {
    const pairs = (Object.keys(LOSSES_BY_NAME) as LossName[]).flatMap((loss) =>
      LOSSES_BY_NAME[loss].outputs.map((output) => [loss, output] as const),
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
              const ref = outputLoss(expected, z, labels, targets, batch, outputs, output, loss);
              const actual = new Float32Array(batch * outputs).fill(NaN);
              const nat = kernels.outputLoss(actual, z, labels, targets, batch, outputs, output, loss);
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
      const result = kernels.outputLoss(new Float32Array(3), z, new Int32Array([0]), null, 1, 3, 'softmax', 'cross-entropy');
      expect(result.lossSum).toBeNaN();
    });
  });

  describe('optimizerUpdate', () => {
    // Every optimizer of the registry, with and without weight decay, and the variants of the settings it reads.
    const settings: [string, Partial<UpdateHyper>][] = Object.values(OPTIMIZERS_BY_NAME).flatMap((op) => [
      [op.name, { kind: op.name }] as [string, Partial<UpdateHyper>],
      [`${op.name} + weight decay`, { kind: op.name, weightDecay: 0.05 }] as [string, Partial<UpdateHyper>],
      ...((op.uses as readonly string[]).includes('nesterov') ? [[`${op.name} (nesterov)`, { kind: op.name, nesterov: true }] as [string, Partial<UpdateHyper>]] : []),
    ]);
    void [
      ['sgd', { kind: 'sgd' }],
      ['sgd + weight decay', { kind: 'sgd', weightDecay: 0.05 }],
      ['momentum', { kind: 'momentum' }],
      ['momentum + weight decay', { kind: 'momentum', weightDecay: 0.05 }],
      ['nesterov', { kind: 'momentum', nesterov: true }],
      ['nesterov + weight decay', { kind: 'momentum', nesterov: true, weightDecay: 0.05 }],
      ['adam', { kind: 'adam' }],
      ['adam + L2 weight decay', { kind: 'adam', weightDecay: 0.05 }],
      ['adamw', { kind: 'adamw', weightDecay: 0.05 }],
    ];
    for (const [name, overrides] of settings) {
      for (const count of [1, 7, 33, 1000]) {
        it(`${name}, ${count} parameters, 5 steps`, () => {
          const rng = new Rng(count + name.length);
          const p0 = randomArray(rng, count);
          const slots = optimizerOp(overrides.kind!).slots;
          const ref = { p: p0.slice(), moments: new Float32Array(slots * count) };
          const nat = { p: p0.slice(), moments: new Float32Array(slots * count) };
          for (let step = 1; step <= 5; step++) {
            const g = randomArray(rng, count, 0.3);
            const hyper: UpdateHyper = updateHyper({ lr: 0.05, step, ...overrides });
            optimizerUpdate(ref.p, g, slots ? ref.moments : null, count, hyper);
            kernels.optimizerUpdate(nat.p, g, slots ? nat.moments : null, count, hyper);
          }
          expectClose(nat.p, ref.p, 'p', { atol: 1e-6, rtol: 1e-5 });
          expectClose(nat.moments, ref.moments, 'moments', { atol: 1e-6, rtol: 1e-5 });
        });
      }
    }

    it('accepts null moments for sgd', () => {
      const p = new Float32Array([1, 2]);
      kernels.optimizerUpdate(p, new Float32Array([1, 1]), null, 2, updateHyper({ lr: 0.5, momentum: 0 }));
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
      [[9, 14, 11, 4], 'gelu', 'softmax'],
      [[12, 20, 3], 'silu', 'linear'],
    ] as const) {
      for (const n of [1, 17, 300]) {
        it(`${sizes.join('-')} ${activation}/${output}, ${n} rows`, () => {
          const plan = shorthandPlan({ layers: [...sizes], activation, output, loss: 'mse', dropout: 0.5, init: 'glorot' });
          const params = new Float32Array(plan.size);
          initializeParameters(params, plan, n);
          const rng = new Rng(n);
          const x = randomArray(rng, n * sizes[0]);
          const outputs = sizes[sizes.length - 1];
          const expected = new Float32Array(n * outputs);
          referenceBackend.predict(plan, params, x, n, expected);
          const actual = new Float32Array(n * outputs).fill(NaN);
          nativeBackend.predict(plan, params, x, n, actual);
          expectClose(actual, expected, 'predict');
        });
      }
    }

    it('gives the same bits on one CPU as on all of them (row chunks do not depend on the thread count)', () => {
      // The same prediction in a child process pinned to one CPU, where it runs on one thread.
      const script = `
        import { Network } from './dist/index.js';
        const net = new Network({ layers: [64, 256, 10], backend: 'native', seed: 4 });
        const x = new Float32Array(5003 * 64).map((_, i) => Math.sin(i * 0.37));
        process.stdout.write(Buffer.from(net.predict(x).buffer).toString('base64'));
      `;
      const root = fileURLToPath(new URL('..', import.meta.url));
      const run = (prefix: string[]) => {
        const [command, ...args] = [...prefix, process.execPath, '--input-type=module', '-e', script];
        const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
        expect(result.status, result.stderr).toBe(0);
        return result.stdout;
      };
      const all = run([]);
      expect(all.length).toBeGreaterThan(1000);
      expect(run(['taskset', '-c', '0'])).toBe(all);
    });

    it('splits a large input over threads with the same result', () => {
      const sizes = [64, 256, 10];
      const plan = shorthandPlan({ layers: sizes });
      const params = new Float32Array(plan.size);
      initializeParameters(params, plan, 1);
      const n = 5003;
      const x = randomArray(new Rng(2), n * 64);
      const expected = new Float32Array(n * 10);
      referenceBackend.predict(plan, params, x, n, expected);
      const actual = new Float32Array(n * 10).fill(NaN);
      nativeBackend.predict(plan, params, x, n, actual);
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
    expect(result.stderr).toMatch(/backend 'auto' uses the slower js backend. Build it with `npm rebuild descent-nn` \(in a project that depends on it; in a clone of descent: `npm run build:native`\)/);
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
