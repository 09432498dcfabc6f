/**
 * The doctor on the networks it exists for: the question's own (and with
 * the wrong tanh derivative), the fixes it proposes making that network
 * learn, healthy defaults that get no error and no warning, and the
 * learning rates, depth and inputs that each trip one check.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, loadCsv, loadDigits, loadFashionMnist, Network, trainTestSplit, type DoctorReport, type Finding } from '../src/index.js';
import { FINDING_CODES } from '../src/diagnose/findings.js';
import { Rng } from '../src/rng.js';

const { train, test } = trainTestSplit(loadDigits(), { testFraction: 0.2, seed: 0 });
const QUESTION = { layers: [64, 10, 10], output: 'tanh', loss: 'mse', init: 'uniform' } as const;
const WRONG_TANH = { name: 'tanh', f: Math.tanh, derivative: (z: number) => Math.tanh(z) };

const codes = (report: DoctorReport, severity?: Finding['severity']) =>
  report.findings.filter((f) => severity === undefined || f.severity === severity).map((f) => f.code);
const noErrorOrWarning = (report: DoctorReport) =>
  expect(report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}: ${f.message}`)).toEqual([]);

describe('the question: 64-10-10, relu, tanh output, mse on one-hot targets, uniform init, sgd', () => {
  it('reports the output/loss mismatch, the initialisation and the stalled loss as errors, each with its fix', async () => {
    const report = await diagnose(QUESTION, train, { optimizer: 'sgd', test });
    const errors = codes(report, 'error');
    expect(errors).toEqual(expect.arrayContaining(['OUTPUT_LOSS_MISMATCH', 'INIT_ALL_POSITIVE', 'LOSS_STALLED']));
    const byCode = (code: string) => report.findings.find((f) => f.code === code)!;
    expect(byCode('OUTPUT_LOSS_MISMATCH').fix).toMatch(/--output softmax --loss cross-entropy/);
    expect(byCode('OUTPUT_LOSS_MISMATCH').layer).toBe(3);
    expect(byCode('INIT_ALL_POSITIVE').fix).toMatch(/--init he/);
    expect(byCode('INIT_ALL_POSITIVE').evidence.positiveShare).toBe(1);
    expect(byCode('LOSS_STALLED').evidence.finalLoss).toBeGreaterThan(0.5);
    // Its tanh outputs start pinned at 1, seen directly at the output layer.
    expect(byCode('SATURATED_UNITS')).toMatchObject({ severity: 'error', layer: 3, evidence: { saturatedShare: 1 } });
    // No gradient reaches the first layer: that is not a learning rate too low.
    expect(byCode('UPDATE_RATIO_LOW').message).toMatch(/did not change at all/);
    expect(byCode('UPDATE_RATIO_LOW').fix).not.toMatch(/a higher --lr \(/);
    // Worst first.
    const ranks = report.findings.map((f) => ['error', 'warning', 'info'].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(report.healthy).toBe(false);
  });

  it('with a custom tanh whose derivative is tanh(z), also a gradient-check error on that layer', async () => {
    const report = await diagnose({ ...QUESTION, activation: WRONG_TANH }, train, { optimizer: 'sgd' });
    const gradient = report.findings.find((f) => f.code === 'GRADIENT_CHECK_FAILED');
    expect(gradient?.severity).toBe('error');
    expect(gradient?.layer).toBe(1);
    expect(gradient?.message).toMatch(/custom activation "tanh"/);
    expect(gradient?.evidence.maxRelativeError as number).toBeGreaterThan(0.1);
    // The right derivative passes the same check.
    const right = await diagnose({ ...QUESTION, activation: { ...WRONG_TANH, derivative: (z: number) => 1 - Math.tanh(z) ** 2 } }, train, { optimizer: 'sgd' });
    expect(codes(right)).not.toContain('GRADIENT_CHECK_FAILED');
  });

  it('applying its fixes makes the same network learn: at least 0.95 test accuracy', async () => {
    const report = await diagnose(QUESTION, train, { optimizer: 'sgd' });
    // The fixes it names: softmax + cross-entropy, He initialisation.
    expect(report.findings.map((f) => f.fix).join('\n')).toMatch(/--output softmax --loss cross-entropy[\s\S]*--init he/);
    const fixed = { layers: [64, 10, 10], output: 'softmax', loss: 'cross-entropy', init: 'he' } as const;
    const after = await diagnose(fixed, train, { optimizer: 'sgd' });
    noErrorOrWarning(after);
    const net = new Network({ ...fixed, seed: 0 });
    await net.fit(train, { optimizer: 'sgd', epochs: 60 });
    expect(net.evaluate(test).accuracy).toBeGreaterThanOrEqual(0.95);
  }, 60000);
});

describe('healthy networks get no error and no warning', () => {
  it('the defaults on the digits (js and native agree on that)', async () => {
    for (const backend of ['js', 'auto'] as const) noErrorOrWarning(await diagnose({ layers: [64, 128, 10], backend }, train, { test }));
  });

  it('the defaults on a CSV with standardised features', async () => {
    const rng = new Rng(4);
    const rows = ['a,b,c,d,label'];
    for (let i = 0; i < 600; i++) {
      const label = i % 3;
      const values = [0, 1, 2, 3].map((j) => (rng.normal() + (j === label ? 2 : 0)).toFixed(4));
      rows.push(`${values.join(',')},${['setosa', 'versicolor', 'virginica'][label]}`);
    }
    const path = join(mkdtempSync(join(tmpdir(), 'descent-doctor-')), 'blobs.csv');
    writeFileSync(path, rows.join('\n'));
    const data = await loadCsv(path, { label: 'label' });
    noErrorOrWarning(await diagnose({ layers: [4, 128, 3] }, data, { preprocess: 'standardize' }));
  });

  // Small networks on noisy data: they need several hundred steps to learn 16 rows by heart.
  it('a small regression network (linear output, mse, float targets)', async () => {
    const rng = new Rng(5);
    const n = 800;
    const x = Float32Array.from({ length: n * 3 }, () => rng.normal());
    const y = Float32Array.from({ length: n }, (_, r) => 3 * x[r * 3] - 2 * x[r * 3 + 1] + x[r * 3 + 2] ** 2 + 0.1 * rng.normal());
    noErrorOrWarning(await diagnose({ layers: [3, 16, 1], output: 'linear', loss: 'mse' }, { x, y, n, features: 3 }));
  });

  it('a binary classifier with one sigmoid output, and with two softmax outputs', async () => {
    const rng = new Rng(6);
    const n = 800;
    const y = Int32Array.from({ length: n }, (_, r) => r % 2);
    const x = Float32Array.from({ length: n * 4 }, (_, i) => rng.normal() + y[Math.floor(i / 4)]);
    const data = { x, y, n, features: 4, classes: 2 };
    for (const seed of [0, 1, 2]) {
      noErrorOrWarning(await diagnose({ layers: [4, 8, 1], output: 'sigmoid', seed }, data));
      noErrorOrWarning(await diagnose({ layers: [4, 8, 2], seed }, data));
    }
  });

  it('the Fashion-MNIST defaults (784-256-128-10, dropout 0.2, batch 128)', async () => {
    let fashion;
    try {
      fashion = await loadFashionMnist();
    } catch {
      return expect.fail('Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)');
    }
    noErrorOrWarning(await diagnose({ layers: [784, 256, 128, 10], dropout: 0.2 }, fashion.train, { batchSize: 128 }));
  }, 60000);
});

describe('each check trips on its problem', () => {
  it('a learning rate of 10 with SGD diverges; 1e-7 does not move', async () => {
    const fast = await diagnose({ layers: [64, 128, 10] }, train, { optimizer: 'sgd', lr: 10 });
    // Its first chunk spikes to a peak and falls back: the message says so, not "rose to" a lower loss.
    expect(fast.findings.find((f) => f.code === 'LOSS_DIVERGING')?.message).toMatch(/^the loss rose from 2.3\d? to a peak of \d+ \(ending at 2.\d+\)/);
    // Its ReLUs die and pass no gradient: no finding may advise a higher learning rate.
    expect(fast.findings.map((f) => f.fix).join('\n')).not.toMatch(/higher --lr \(now/);
    const slow = await diagnose({ layers: [64, 128, 10] }, train, { optimizer: 'sgd', lr: 1e-7 });
    expect(codes(slow, 'error')).toContain('LOSS_STALLED');
    expect(codes(slow)).toContain('UPDATE_RATIO_LOW');
  });

  it('a deep stack of sigmoid layers has vanishing gradients, on both backends', async () => {
    for (const backend of ['js', 'auto'] as const) {
      const report = await diagnose({ layers: [64, 32, 32, 32, 32, 32, 32, 32, 32, 10], activation: 'sigmoid', backend }, train);
      const vanishing = report.findings.find((f) => f.code === 'VANISHING_GRADIENTS');
      expect(vanishing?.layer).toBe(0);
      expect(vanishing?.evidence.ratio as number).toBeLessThan(0.01);
    }
  });

  it('raw unscaled inputs are reported as unscaled, and standardising fixes it', async () => {
    const raw = { ...train, x: (train.x as Float32Array).map((v) => v * 255) };
    const report = await diagnose({ layers: [64, 128, 10] }, raw);
    expect(report.findings.find((f) => f.code === 'INPUT_SCALE')?.fix).toMatch(/--preprocess standardize/);
    expect(codes(await diagnose({ layers: [64, 128, 10] }, raw, { preprocess: 'standardize' }))).not.toContain('INPUT_SCALE');
  });

  it('rows shared by train and test, imbalanced classes, and a NaN named by step and layer', async () => {
    const report = await diagnose({ layers: [64, 128, 10] }, train, { test: train });
    expect(report.findings.find((f) => f.code === 'TRAIN_TEST_DUPLICATES')?.evidence.sharedRows).toBe(train.n);
    // 10 rows copied, 10 more with one value changed (not duplicates); bytes x xScale compare by value with floats.
    const x = train.x as Float32Array;
    const copied = Float32Array.from(x.subarray(0, 20 * 64));
    for (let r = 10; r < 20; r++) copied[r * 64 + 30] += 1 / 16;
    const partial = { x: copied, y: train.y.slice(0, 20), n: 20, features: 64, classes: 10 };
    const shared = await diagnose({ layers: [64, 128, 10] }, train, { test: partial, steps: 20 });
    expect(shared.findings.find((f) => f.code === 'TRAIN_TEST_DUPLICATES')?.evidence).toEqual({ sharedRows: 10, testRows: 20, share: 0.5 });
    const bytes = { x: Uint8Array.from(x.subarray(0, 20 * 64), (v) => v * 16), xScale: 1 / 16, y: train.y.slice(0, 20), n: 20, features: 64, classes: 10 };
    const fromBytes = await diagnose({ layers: [64, 128, 10] }, train, { test: bytes, steps: 20 });
    expect(fromBytes.findings.find((f) => f.code === 'TRAIN_TEST_DUPLICATES')?.evidence.sharedRows).toBe(20);
    const keep = Array.from({ length: train.n }, (_, i) => i).filter((i) => train.y[i] !== 3 || i % 10 === 0);
    const imbalanced = { ...train, n: keep.length, x: Float32Array.from(keep.flatMap((i) => Array.from((train.x as Float32Array).subarray(i * 64, i * 64 + 64)))), y: Int32Array.from(keep, (i) => train.y[i]) };
    expect(codes(await diagnose({ layers: [64, 128, 10] }, imbalanced))).toContain('CLASS_IMBALANCE');
    // Finite where it is checked (|z| <= 8), infinite on the huge pre-activations raw pixels and uniform weights give.
    const blowUp = { name: 'blow-up', f: (z: number) => (z > 100 ? Infinity : Math.tanh(z)), derivative: (z: number) => 1 - Math.tanh(z) ** 2 };
    const raw = { ...train, x: (train.x as Float32Array).map((v) => v * 255) };
    const nan = await diagnose({ layers: [64, 16, 10], activation: blowUp, init: 'uniform' }, raw);
    const nonFinite = nan.findings.find((f) => f.code === 'LOSS_NON_FINITE');
    expect(nonFinite?.layer).toBe(1);
    expect(nonFinite?.evidence.step).toBe(0);
  });

  it('bad options get the messages train gives', async () => {
    await expect(diagnose({ layers: [64, 128, 10] }, train, { lr: -1 })).rejects.toThrow('options.lr must be a positive finite number, received -1');
    await expect(diagnose({ layers: [64, 128, 10], activation: 'relux' as never }, train)).rejects.toThrow(/activation must be one of "relu"/);
    await expect(diagnose({ layers: [64, 128, 10] }, train, { epochs: 3 } as never)).rejects.toThrow(/options has an unknown option "epochs"/);
    await expect(diagnose({ layers: [32, 10] }, train)).rejects.toThrow(/data.features must equal the network's input size 32/);
    await expect(diagnose({ layers: [64, 10], activation: { name: 'f', f: 1, derivative: Math.cos } as never }, train)).rejects.toThrow(
      'activation.f of custom activation "f" must be a function (z: number) => number, received 1',
    );
    const thrower = { name: 'thrower', f: () => { throw new Error('boom'); }, derivative: Math.cos };
    await expect(diagnose({ layers: [64, 10], activation: thrower }, train)).rejects.toThrow('activation.f of custom activation "thrower" threw at z = -8: boom');
  });

  it('every finding code is documented in docs/doctor.md', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../docs/doctor.md', import.meta.url), 'utf8');
    for (const code of Object.keys(FINDING_CODES)) expect(doc, code).toContain(`\`${code}\``);
  });
});
