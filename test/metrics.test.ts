import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classMetrics, evaluateOutputs, MAX_CONFUSION_CLASSES, regressionMetrics } from '../src/train/metrics.js';
import { Network } from '../src/network.js';

describe('evaluateOutputs: classification', () => {
  // Four classes; class "d" has no rows and is never predicted.
  // actual -> predicted: a->a, a->b, b->b, b->a, c->c, c->a, c->c
  const rows: [number, number[]][] = [
    [0, [0.7, 0.2, 0.05, 0.05]],
    [0, [0.2, 0.5, 0.25, 0.05]],
    [1, [0.1, 0.8, 0.05, 0.05]],
    [1, [0.5, 0.3, 0.15, 0.05]],
    [2, [0.1, 0.05, 0.8, 0.05]],
    [2, [0.6, 0.25, 0.1, 0.05]],
    [2, [0.2, 0.15, 0.6, 0.05]],
  ];
  const outputs = Float32Array.from(rows.flatMap(([, p]) => p));
  const labels = Int32Array.from(rows.map(([label]) => label));
  const evaluation = evaluateOutputs(outputs, 4, 'cross-entropy', labels, null, 4, ['a', 'b', 'c', 'd']);

  it('counts the confusion matrix and accuracy', () => {
    expect(evaluation.confusion).toEqual([
      [1, 1, 0, 0],
      [1, 1, 0, 0],
      [1, 0, 2, 0],
      [0, 0, 0, 0],
    ]);
    expect(evaluation.accuracy).toBeCloseTo(4 / 7, 12);
    expect(evaluation.n).toBe(7);
  });

  it('gives the mean cross-entropy of the true classes', () => {
    const trueProbabilities = [0.7, 0.2, 0.8, 0.3, 0.8, 0.1, 0.6];
    const expected = trueProbabilities.reduce((sum, p) => sum - Math.log(Math.fround(p)), 0) / 7;
    expect(evaluation.loss).toBeCloseTo(expected, 6);
  });

  it('scores each class against the rest, with 0 where nothing was predicted or present', () => {
    // a: tp 1, predicted 3, support 2 -> p 1/3, r 1/2, f1 2/5
    // b: tp 1, predicted 2, support 2 -> p 1/2, r 1/2, f1 1/2
    // c: tp 2, predicted 2, support 3 -> p 1, r 2/3, f1 4/5
    const expected = [
      { label: 'a', precision: 1 / 3, recall: 1 / 2, f1: 2 / 5, support: 2 },
      { label: 'b', precision: 1 / 2, recall: 1 / 2, f1: 1 / 2, support: 2 },
      { label: 'c', precision: 1, recall: 2 / 3, f1: 4 / 5, support: 3 },
      { label: 'd', precision: 0, recall: 0, f1: 0, support: 0 },
    ];
    expect(evaluation.perClass).toHaveLength(4);
    evaluation.perClass!.forEach((scores, c) => {
      expect(scores.label).toBe(expected[c].label);
      expect(scores.support).toBe(expected[c].support);
      expect(scores.precision).toBeCloseTo(expected[c].precision, 12);
      expect(scores.recall).toBeCloseTo(expected[c].recall, 12);
      expect(scores.f1).toBeCloseTo(expected[c].f1, 12);
    });
    expect(evaluation.mae).toBeUndefined();
  });

  it('names classes by their index without label names', () => {
    expect(classMetrics([[2, 0], [1, 1]]).map((c) => c.label)).toEqual(['0', '1']);
  });

  it('treats a single sigmoid unit as two classes: p >= 0.5 is class 1', () => {
    const e = evaluateOutputs(Float32Array.of(0.9, 0.4, 0.6, 0.2), 1, 'binary-cross-entropy', Int32Array.of(1, 1, 0, 0), null, 2);
    expect(e.confusion).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(e.perClass!.map((c) => [c.precision, c.recall, c.support])).toEqual([
      [0.5, 0.5, 2],
      [0.5, 0.5, 2],
    ]);
  });
});

describe('evaluateOutputs: regression', () => {
  it('gives MAE, RMSE and R² averaged over the target columns', () => {
    // Column 0: targets 1 2 3 4, predictions 1.5 2 2.5 5 (errors 0.5 0 -0.5 1): SS_res 1.5, SS_tot 5, R² 0.7.
    // Column 1: targets all 0, predicted exactly: R² 1.
    const outputs = Float32Array.of(1.5, 0, 2, 0, 2.5, 0, 5, 0);
    const targets = Float32Array.of(1, 0, 2, 0, 3, 0, 4, 0);
    const e = evaluateOutputs(outputs, 2, 'mse', null, targets, null);
    expect(e.mae).toBeCloseTo(2 / 8, 12);
    expect(e.rmse).toBeCloseTo(Math.sqrt(1.5 / 8), 12);
    expect(e.r2).toBeCloseTo((0.7 + 1) / 2, 12);
    // mse averages over the units, then over the rows.
    expect(e.loss).toBeCloseTo((0.125 + 0 + 0.125 + 0.5) / 4, 12);
    expect(e.accuracy).toBeUndefined();
    expect(e.perClass).toBeUndefined();
  });

  it('scores R² 0 for a constant column predicted wrong, and negative when worse than the mean', () => {
    expect(regressionMetrics(Float32Array.of(2, 3), Float32Array.of(2, 2), 1).r2).toBe(0);
    // targets 0 2 (mean 1, SS_tot 2), predictions 2 0: SS_res 8, R² 1 - 4 = -3
    expect(regressionMetrics(Float32Array.of(2, 0), Float32Array.of(0, 2), 1).r2).toBeCloseTo(-3, 12);
  });
});

describe('Network.evaluate', () => {
  it('reports per-class scores for classifiers and MAE, RMSE and R² for regression', () => {
    const classifier = new Network({ layers: [2, 3], backend: 'js' });
    const x = Float32Array.of(0, 1, 1, 0, 1, 1, 0, 0);
    const e = classifier.evaluate({ x, y: Int32Array.of(0, 1, 2, 0), n: 4, features: 2, classes: 3 });
    expect(e.perClass!.map((c) => c.support)).toEqual([2, 1, 1]);
    const regressor = new Network({ layers: [2, 1], output: 'linear', backend: 'js' });
    const r = regressor.evaluate({ x, y: Float32Array.of(1, 2, 3, 4), n: 4, features: 2 });
    const predicted = regressor.predict(x);
    const mae = [1, 2, 3, 4].reduce((sum, t, i) => sum + Math.abs(predicted[i] - t), 0) / 4;
    expect(r.mae).toBeCloseTo(mae, 6);
    expect(r.rmse! * r.rmse!).toBeCloseTo(r.loss, 5);
  });
});

/** One-hot outputs that predict class predictions[r] for row r. */
function oneHot(predictions: readonly number[], classes: number): Float32Array {
  const outputs = new Float32Array(predictions.length * classes);
  predictions.forEach((p, r) => (outputs[r * classes + p] = 1));
  return outputs;
}

describe('many classes: memory grows with the rows and classes, not classes squared', () => {
  it(`keeps the whole matrix up to ${MAX_CONFUSION_CLASSES} classes, and beyond lists its non-zero cells`, () => {
    const labels = [5, 5, 5, 1030, 0, 1030];
    const predictions = [5, 7, 7, 1030, 1030, 2];
    const wide = evaluateOutputs(oneHot(predictions, 1031), 1031, 'cross-entropy', Int32Array.from(labels), null, 1031);
    expect(wide.confusion).toBeUndefined();
    expect(wide.confusionCells).toEqual([
      { actual: 0, predicted: 1030, count: 1 },
      { actual: 5, predicted: 5, count: 1 },
      { actual: 5, predicted: 7, count: 2 },
      { actual: 1030, predicted: 2, count: 1 },
      { actual: 1030, predicted: 1030, count: 1 },
    ]);
    expect(wide.accuracy).toBeCloseTo(2 / 6, 12);
    expect(wide.perClass).toHaveLength(1031);
    expect(wide.perClass![5]).toMatchObject({ label: '5', precision: 1, recall: 1 / 3, support: 3 });
    expect(wide.perClass![7]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(wide.perClass![1030]).toMatchObject({ precision: 1 / 2, recall: 1 / 2, support: 2 });
    const dense = evaluateOutputs(oneHot([0, 1023], 1024), 1024, 'cross-entropy', Int32Array.of(1023, 1023), null, 1024);
    expect(dense.confusionCells).toBeUndefined();
    expect(dense.confusion).toHaveLength(1024);
    expect(dense.confusion![1023][0] + dense.confusion![1023][1023]).toBe(2);
    // The dense form's scores are what classMetrics gives from the matrix.
    expect(dense.perClass).toEqual(classMetrics(dense.confusion!));
  });

  it('details false (a fit\'s validation pass) gives the loss and accuracy alone', () => {
    const e = evaluateOutputs(oneHot([0, 1], 3), 3, 'cross-entropy', Int32Array.of(0, 2), null, 3, null, false);
    expect(Object.keys(e).sort()).toEqual(['accuracy', 'loss', 'n']);
    expect(e.accuracy).toBe(0.5);
    const r = evaluateOutputs(Float32Array.of(1, 2), 1, 'mse', null, Float32Array.of(1, 1), null, null, false);
    expect(Object.keys(r).sort()).toEqual(['loss', 'n']);
  });

  it('evaluate and a fit with validation data on 25,000 classes and 2,001 rows run in a 256 MB heap', () => {
    // Before, each built a 25,000 x 25,000 matrix of JS numbers: out of memory, SIGABRT.
    const script = `
      import { Network } from './dist/index.js';
      const n = 2001, classes = 25000;
      const x = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i));
      const y = Int32Array.from({ length: n }, (_, r) => (r * 12) % classes);
      const data = { x, y, n, features: 2, classes };
      const net = new Network({ layers: [2, classes], backend: 'js' });
      const e = net.evaluate(data);
      const history = await net.fit(data, { epochs: 1, batchSize: 256, validation: data });
      const cells = e.confusionCells.reduce((sum, cell) => sum + cell.count, 0);
      console.log(JSON.stringify({ confusion: e.confusion ?? null, cells, perClass: e.perClass.length, valAccuracy: history.epochs[0].valAccuracy }));
    `;
    const root = fileURLToPath(new URL('..', import.meta.url));
    const child = spawnSync(process.execPath, ['--max-old-space-size=256', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
    expect(result).toMatchObject({ confusion: null, cells: 2001, perClass: 25000 });
    expect(result.valAccuracy).toBeGreaterThanOrEqual(0);
  });
});
