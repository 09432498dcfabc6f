/** train --save, then info, evaluate and predict on that model, from the command line. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../src/network.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'descent-cli-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

function descent(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(stdout: string): Record<string, any> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** A deterministic stream of numbers in [-0.5, 0.5). */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
}

const SPECIES = ['setosa', 'versicolor', 'virginica'];
const CENTERS = [
  [5, 3.4, 1.5, 0.2],
  [6, 2.8, 4.3, 1.3],
  [6.6, 3, 5.6, 2],
];

/** Three well separated species, four measurements each, the label last. */
function flowers(rows: number, seed: number, withLabel = true): { text: string; x: number[][]; labels: string[] } {
  const next = noise(seed);
  const lines = [`sepal_length,sepal_width,petal_length,petal_width${withLabel ? ',species' : ''}`];
  const x: number[][] = [];
  const labels: string[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    const values = CENTERS[c].map((v) => Number((v + 0.6 * next()).toFixed(2)));
    x.push(values);
    labels.push(SPECIES[c]);
    lines.push([...values, ...(withLabel ? [SPECIES[c]] : [])].join(','));
  }
  return { text: `${lines.join('\n')}\n`, x, labels };
}

describe('a classifier trained on CSV with string labels', () => {
  let trained: Record<string, any>;
  beforeAll(() => {
    writeFileSync(path('iris.csv'), flowers(150, 1).text);
    const { code, stdout, stderr } = descent(
      'train', '--data', 'iris.csv', '--label', 'species', '--layers', '4,16,3', '--preprocess', 'standardize',
      '--epochs', '100', '--lr', '0.01', '--save', 'iris.model', '--json',
    );
    expect(code, stderr).toBe(0);
    trained = json(stdout);
  });

  it('trains, records the CSV settings and saves the model', () => {
    expect(trained.testAccuracy).toBeGreaterThan(0.9);
    expect(trained.settings).toMatchObject({ data: 'iris.csv', label: ['species'], task: 'classification', delimiter: ',', preprocess: 'standardize' });
    expect(trained.files.save).toBe('iris.model');
  });

  it('info shows the plan, parameters, preprocessing, labels, training and version', () => {
    const { code, stdout } = descent('info', '--model', 'iris.model');
    expect(code).toBe(0);
    const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
    expect(stdout).toContain(`model iris.model, written by descent ${version}`);
    expect(stdout).toContain('layers 4-16-3: 131 parameters, seed 0');
    expect(stdout).toContain('0: dense 4 -> 16 (he init, 80 parameters)');
    expect(stdout).toContain('1: activation relu');
    expect(stdout).toContain('3: output softmax, loss cross-entropy');
    expect(stdout).toContain('preprocessing: standardize (fit on the training rows, 4 features)');
    expect(stdout).toContain('labels: setosa, versicolor, virginica');
    expect(stdout).toMatch(/training:\n  command: train\n/);
    expect(stdout).toContain('    label: species');
    const info = json(descent('info', '--model', 'iris.model', '--json').stdout);
    expect(info).toMatchObject({
      command: 'info',
      descent: version,
      layers: [4, 16, 3],
      parameters: 131,
      activations: ['relu'],
      dropout: [],
      output: 'softmax',
      loss: 'cross-entropy',
      preprocessing: { kind: 'standardize', features: 4 },
      labels: SPECIES,
      checkpoint: null,
    });
    expect(info.training.testLoss).toBe(trained.testLoss);
    expect(info.training.settings).toEqual(trained.settings);
  });

  it('evaluate reads the label column the model was trained with and prints per-class scores under the label names', () => {
    writeFileSync(path('iris-test.csv'), flowers(60, 2).text);
    const { code, stdout, stderr } = descent('evaluate', '--model', 'iris.model', '--data', 'iris-test.csv');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^model iris.model, data iris-test.csv: 60 rows\nloss \d\.\d{4}, accuracy \d+\.\d\d%\n/);
    expect(stdout).toMatch(/class +precision +recall +f1 +support\nsetosa +\d\.\d{4} +\d\.\d{4} +\d\.\d{4} +20\nversicolor /);
    expect(stdout).toMatch(/confusion matrix \(rows: actual class, columns: predicted\)\nactual \\ predicted +setosa +versicolor +virginica\nsetosa +\d+/);
    const result = json(descent('evaluate', '--model', 'iris.model', '--data', 'iris-test.csv', '--json').stdout);
    expect(result.n).toBe(60);
    expect(result.labels).toEqual(SPECIES);
    expect(result.perClass.map((c: { label: string; support: number }) => [c.label, c.support])).toEqual(SPECIES.map((s) => [s, 20]));
    const confusion = result.confusion as number[][];
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(60);
    expect(confusion.reduce((sum, row, c) => sum + row[c], 0) / 60).toBeCloseTo(result.accuracy, 12);
    expect(result.accuracy).toBeGreaterThan(0.9);
  });

  it('predict writes the label name and each class probability per row, chunk by chunk, as the library predicts', async () => {
    const input = flowers(5000, 3); // more rows than one 4096-row chunk
    writeFileSync(path('many.csv'), input.text);
    const { code, stdout, stderr } = descent('predict', '--model', 'iris.model', '--input', 'many.csv', '--label', 'species');
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('label,setosa,versicolor,virginica');
    expect(lines).toHaveLength(5001);
    const net = await Network.load(path('iris.model'));
    const expected = net.predict(input.x);
    let correct = 0;
    lines.slice(1).forEach((line, r) => {
      const [label, ...cells] = line.split(',');
      const probabilities = cells.map(Number);
      expect(probabilities.map((p) => Math.fround(p))).toEqual(Array.from(expected.subarray(r * 3, r * 3 + 3)));
      expect(label).toBe(SPECIES[probabilities.indexOf(Math.max(...probabilities))]);
      if (label === input.labels[r]) correct++;
    });
    expect(correct / 5000).toBeGreaterThan(0.9);
  });

  it('predict --output writes the same CSV to a file, atomically, for a file of features only', () => {
    writeFileSync(path('features.csv'), flowers(30, 4, false).text);
    const viaStdout = descent('predict', '--model', 'iris.model', '--input', 'features.csv');
    expect(viaStdout.code, viaStdout.stderr).toBe(0);
    writeFileSync(path('out.csv'), 'old content\n');
    const { code, stdout } = descent('predict', '--model', 'iris.model', '--input', 'features.csv', '--output', 'out.csv', '--json');
    expect(code).toBe(0);
    expect(readFileSync(path('out.csv'), 'utf8')).toBe(viaStdout.stdout);
    expect(json(stdout)).toMatchObject({ command: 'predict', rows: 30, output: 'out.csv', task: 'classification', columns: ['label', ...SPECIES] });
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('predict --output onto its --input or --model file is refused, and both stay as they were', () => {
    writeFileSync(path('features.csv'), flowers(30, 4, false).text);
    const before = [readFileSync(path('features.csv')), readFileSync(path('iris.model'))];
    for (const [output, input] of [['features.csv', '--input features.csv'], ['./iris.model', '--model iris.model']]) {
      const { code, stderr } = descent('predict', '--model', 'iris.model', '--input', 'features.csv', '--output', output);
      expect(code).toBe(1);
      expect(stderr).toBe(`descent: cannot write --output ${output}: it is the ${input.split(' ')[0].slice(2)} file (${input}); writing would replace it\n`);
    }
    expect([readFileSync(path('features.csv')), readFileSync(path('iris.model'))]).toEqual(before);
  });

  it('a failed predict --output leaves the old file as it was and no temp file', () => {
    writeFileSync(path('out.csv'), 'old content\n');
    writeFileSync(path('late-bad.csv'), `${flowers(5000, 5, false).text}1,2,x,4\n`);
    const { code, stderr } = descent('predict', '--model', 'iris.model', '--input', 'late-bad.csv', '--output', 'out.csv');
    expect(code).toBe(1);
    expect(stderr).toMatch(/late-bad.csv, line 5002, column "petal_length" \(index 2\): expected a finite decimal number, received "x"/);
    expect(readFileSync(path('out.csv'), 'utf8')).toBe('old content\n');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a regression model on two target columns', () => {
  it('trains with --task regression and two --label columns, evaluates MAE, RMSE and R², predicts both targets', () => {
    const next = noise(9);
    const rows = ['a,b,c,y1,y2'];
    for (let i = 0; i < 300; i++) {
      const [a, b, c] = [next() * 2, next() * 2, next() * 2];
      rows.push([a, b, c, 2 * a - b + 0.5, a * b + c].map((v) => v.toFixed(4)).join(','));
    }
    writeFileSync(path('reg.csv'), `${rows.join('\n')}\n`);
    const train = descent('train', '--data', 'reg.csv', '--task', 'regression', '--label', 'y1,y2', '--layers', '3,32,2', '--epochs', '80', '--lr', '0.01', '--save', 'reg.model', '--json');
    expect(train.code, train.stderr).toBe(0);
    const summary = json(train.stdout);
    expect(summary.settings).toMatchObject({ task: 'regression', label: ['y1', 'y2'], output: 'linear', loss: 'mse' });
    expect(summary.testR2).toBeGreaterThan(0.9);
    expect(summary.testRmse ** 2).toBeCloseTo(summary.testLoss, 6);
    expect(summary).not.toHaveProperty('testAccuracy');

    const evaluate = descent('evaluate', '--model', 'reg.model', '--data', 'reg.csv');
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(evaluate.stdout).toMatch(/\nloss \d\.\d{4}\nMAE \d\.\d+, RMSE \d\.\d+, R² 0\.9\d{3}\n$/);
    const result = json(descent('evaluate', '--model', 'reg.model', '--data', 'reg.csv', '--json').stdout);
    expect(result).toMatchObject({ task: 'regression', n: 300 });
    expect(result.rmse ** 2).toBeCloseTo(result.loss, 6);

    const predict = descent('predict', '--model', 'reg.model', '--input', 'reg.csv', '--label', 'y1,y2');
    expect(predict.code, predict.stderr).toBe(0);
    const lines = predict.stdout.trim().split('\n');
    expect(lines[0]).toBe('y1,y2');
    expect(lines).toHaveLength(301);
    const first = lines[1].split(',').map(Number);
    const [a, b] = rows[1].split(',').map(Number);
    expect(first[0]).toBeCloseTo(2 * a - b + 0.5, 0);
  });
});

describe('digits and IDX data from the command line', () => {
  it('evaluate --test-fraction --seed scores the split train held out, to the same loss', () => {
    const train = descent('train', '--data', 'digits', '--epochs', '3', '--layers', '64,32,10', '--seed', '3', '--save', 'digits.model', '--json');
    expect(train.code, train.stderr).toBe(0);
    const evaluate = descent('evaluate', '--model', 'digits.model', '--data', 'digits', '--test-fraction', '0.2', '--seed', '3', '--json');
    expect(evaluate.code, evaluate.stderr).toBe(0);
    const result = json(evaluate.stdout);
    expect(result.loss).toBe(json(train.stdout).testLoss);
    expect(result.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(result.n).toBe(359);
  });

  it('trains on idx:DIR, evaluates its test set and predicts IDX images', () => {
    const images = (n: number, seed: number) => {
      const next = noise(seed);
      const bytes = Buffer.alloc(16 + n * 16);
      bytes.writeUInt32BE(0x803, 0);
      bytes.writeUInt32BE(n, 4);
      bytes.writeUInt32BE(4, 8);
      bytes.writeUInt32BE(4, 12);
      const labels = Buffer.alloc(8 + n);
      labels.writeUInt32BE(0x801, 0);
      labels.writeUInt32BE(n, 4);
      for (let i = 0; i < n; i++) {
        const label = i % 2; // class 0 bright on the left half, class 1 on the right
        labels[8 + i] = label;
        for (let p = 0; p < 16; p++) bytes[16 + i * 16 + p] = (p % 4 < 2) === (label === 0) ? 200 + Math.round(100 * next()) : Math.round(50 + 100 * next());
      }
      return { bytes, labels };
    };
    const idx = path('idx');
    rmSync(idx, { recursive: true, force: true });
    mkdirSync(idx);
    const train = images(200, 1);
    const test = images(50, 2);
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), train.bytes);
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), train.labels);
    writeFileSync(join(idx, 't10k-images-idx3-ubyte'), test.bytes);
    writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), test.labels);
    const trained = descent('train', '--data', `idx:${idx}`, '--layers', '16,8,2', '--epochs', '20', '--save', 'idx.model', '--json');
    expect(trained.code, trained.stderr).toBe(0);
    expect(json(trained.stdout)).toMatchObject({ testRows: 50, settings: { testSplit: 'given', testFraction: null } });
    const evaluate = descent('evaluate', '--model', 'idx.model', '--data', `idx:${idx}`, '--json');
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(json(evaluate.stdout)).toMatchObject({ n: 50, accuracy: json(trained.stdout).testAccuracy });
    const predict = descent('predict', '--model', 'idx.model', '--input', join(idx, 't10k-images-idx3-ubyte'));
    expect(predict.code, predict.stderr).toBe(0);
    const lines = predict.stdout.trim().split('\n');
    expect(lines[0]).toBe('label,0,1');
    expect(lines).toHaveLength(51);
  });
});
