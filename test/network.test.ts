import { describe, expect, it } from 'vitest';
import { Network } from '../src/network.js';
import type { Dataset } from '../src/data/dataset.js';

const tiny = (): Dataset => ({
  x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
  y: new Int32Array([0, 1, 1, 0]),
  n: 4,
  features: 2,
  classes: 2,
});

describe('Network construction', () => {
  it('lays every parameter out in one buffer with per-layer offsets', () => {
    const net = new Network({ layers: [3, 4, 2], backend: 'js' });
    expect(net.params).toBeInstanceOf(Float32Array);
    expect(net.params.length).toBe(3 * 4 + 4 + 4 * 2 + 2);
    expect(net.layout.layers.map((l) => [l.weightOffset, l.biasOffset])).toEqual([
      [0, 12],
      [16, 24],
    ]);
    expect(net.loss).toBe('cross-entropy');
    expect(net.init).toBe('he');
  });

  it('picks the loss that fits the output and the init that fits the activation', () => {
    expect(new Network({ layers: [2, 1], output: 'sigmoid', backend: 'js' }).loss).toBe('binary-cross-entropy');
    expect(new Network({ layers: [2, 1], output: 'linear', backend: 'js' }).loss).toBe('mse');
    expect(new Network({ layers: [2, 3, 2], activation: 'tanh', backend: 'js' }).init).toBe('glorot');
  });

  it('the same seed gives the same weights; another seed other weights', () => {
    const a = new Network({ layers: [8, 16, 4], seed: 7, backend: 'js' });
    const b = new Network({ layers: [8, 16, 4], seed: 7, backend: 'js' });
    const c = new Network({ layers: [8, 16, 4], seed: 8, backend: 'js' });
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    expect(Array.from(a.params)).not.toEqual(Array.from(c.params));
  });

  it('initialises with the documented scales', () => {
    const he = new Network({ layers: [400, 300, 2], init: 'he', backend: 'js' });
    const w = he.params.subarray(0, 400 * 300);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(Array.from(he.params.subarray(400 * 300, 400 * 300 + 300)).every((b) => b === 0)).toBe(true);

    const glorot = new Network({ layers: [400, 300, 2], init: 'glorot', backend: 'js' });
    const limit = Math.sqrt(6 / 700);
    const g = glorot.params.subarray(0, 400 * 300);
    expect(Math.max(...g)).toBeLessThanOrEqual(limit);
    expect(Math.min(...g)).toBeGreaterThanOrEqual(-limit);
    expect(Math.max(...g)).toBeGreaterThan(limit * 0.99);

    const uniform = new Network({ layers: [40, 30, 2], init: 'uniform', backend: 'js' });
    const u = uniform.params.subarray(0, 40 * 30);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });
});

describe('bad network options name the parameter, the expectation and the value', () => {
  const cases: [string, unknown, RegExp, ErrorConstructor][] = [
    ['layers missing', {}, /layers must be an array of at least 2 layer sizes .*received undefined/, TypeError],
    ['one layer', { layers: [3] }, /layers must be an array of at least 2 layer sizes .*received \[3\]/, TypeError],
    ['zero size', { layers: [3, 0, 2] }, /layers\[1\] must be a positive integer layer size, received 0/, RangeError],
    ['fractional size', { layers: [3, 2.5] }, /layers\[1\] must be a positive integer layer size, received 2.5/, RangeError],
    ['activation', { layers: [2, 2], activation: 'relu6' }, /activation must be one of "relu", "leaky-relu", "tanh", "sigmoid", "linear", received "relu6"/, TypeError],
    ['output', { layers: [2, 2], output: 'softplus' }, /output must be one of .*received "softplus"/, TypeError],
    ['loss', { layers: [2, 2], loss: 'hinge' }, /loss must be one of "cross-entropy", "binary-cross-entropy", "mse", received "hinge"/, TypeError],
    ['mismatch', { layers: [2, 2], output: 'softmax', loss: 'binary-cross-entropy' }, /output "softmax" does not fit loss "binary-cross-entropy": binary-cross-entropy expects output "sigmoid"/, TypeError],
    ['ce on tanh', { layers: [2, 2], output: 'tanh', loss: 'cross-entropy' }, /output "tanh" does not fit loss "cross-entropy"/, TypeError],
    ['softmax of one', { layers: [2, 1], output: 'softmax' }, /output "softmax" needs at least 2 output units/, RangeError],
    ['init', { layers: [2, 2], init: 'xavier' }, /init must be one of "he", "glorot", "uniform", received "xavier"/, TypeError],
    ['seed', { layers: [2, 2], seed: -1 }, /seed must be a non-negative integer, received -1/, RangeError],
    ['backend', { layers: [2, 2], backend: 'gpu' }, /backend must be one of "js", "native", "auto", received "gpu"/, TypeError],
    ['typo', { layers: [2, 2], learningRate: 0.1 }, /options has an unknown option "learningRate"/, TypeError],
  ];
  for (const [name, options, message, type] of cases) {
    it(name, () => {
      expect(() => new Network(options as never)).toThrow(type);
      expect(() => new Network(options as never)).toThrow(message);
    });
  }
});

describe('bad data and fit options', () => {
  const net = () => new Network({ layers: [2, 3, 2], backend: 'js' });

  it('x of the wrong length', async () => {
    const data = { ...tiny(), x: new Float32Array(7) };
    await expect(net().fit(data, { epochs: 1 })).rejects.toThrow(
      /data.x must have n x features = 4 x 2 = 8 values, received 7/,
    );
  });

  it('x that is not a Float32Array', async () => {
    const data = { ...tiny(), x: [0, 0, 0, 1, 1, 0, 1, 1] as unknown as Float32Array };
    await expect(net().fit(data, { epochs: 1 })).rejects.toThrow(/data.x must be a Float32Array .*received \[0, 0/);
  });

  it('NaN or Infinity in x, with its row and column', async () => {
    const data = tiny();
    data.x[5] = NaN;
    await expect(net().fit(data, { epochs: 1 })).rejects.toThrow(/data.x must hold finite numbers, received NaN at row 2, column 1/);
    data.x[5] = Infinity;
    expect(() => net().evaluate(data)).toThrow(/received Infinity at row 2, column 1/);
  });

  it('labels outside [0, classes)', async () => {
    const data = { ...tiny(), y: new Int32Array([0, 1, 2, 0]) };
    await expect(net().fit(data, { epochs: 1 })).rejects.toThrow(
      /data.y must hold class indices in \[0, 2\), received 2 at row 2/,
    );
    const negative = { ...tiny(), y: [0, -1, 1, 0] };
    await expect(net().fit(negative, { epochs: 1 })).rejects.toThrow(/received -1 at row 1/);
  });

  it('NaN in regression targets', async () => {
    const reg = new Network({ layers: [2, 1], output: 'linear', backend: 'js' });
    const data = { x: new Float32Array(4), y: new Float32Array([1, NaN]), n: 2, features: 2 };
    await expect(reg.fit(data, { epochs: 1 })).rejects.toThrow(/data.y must hold finite numbers, received NaN at row 1, column 0/);
  });

  it('features or classes that do not fit the network', async () => {
    await expect(net().fit({ ...tiny(), features: 3 }, { epochs: 1 })).rejects.toThrow(
      /data.features must equal the network's input size 2, received 3/,
    );
    await expect(net().fit({ ...tiny(), classes: 3 }, { epochs: 1 })).rejects.toThrow(
      /data.classes \(3\) does not fit the network's 2 output units/,
    );
  });

  const badOptions: [string, object, RegExp, ErrorConstructor][] = [
    ['epochs 0', { epochs: 0 }, /options.epochs must be a positive integer, received 0/, RangeError],
    ['epochs 1.5', { epochs: 1.5 }, /options.epochs must be a positive integer, received 1.5/, RangeError],
    ['batch size', { batchSize: -4 }, /options.batchSize must be a positive integer, received -4/, RangeError],
    ['batch size string', { batchSize: '8' }, /options.batchSize must be a positive integer, received "8"/, RangeError],
    ['lr 0', { lr: 0 }, /options.lr must be a positive finite number, received 0/, RangeError],
    ['lr NaN', { lr: NaN }, /options.lr must be a positive finite number, received NaN/, RangeError],
    ['lr Infinity', { lr: Infinity }, /options.lr must be a positive finite number, received Infinity/, RangeError],
    ['optimizer', { optimizer: 'rmsprop' }, /options.optimizer must be one of "sgd", "momentum", "adam", "adamw", received "rmsprop"/, TypeError],
    ['weight decay', { weightDecay: -0.1 }, /options.weightDecay must be a non-negative finite number, received -0.1/, RangeError],
    ['schedule', { schedule: 'linear' }, /options.schedule must be "constant", "step", "cosine"/, TypeError],
    ['validation', { validation: 1.5 }, /options.validation must be a number in \[.*, 1\), received 1.5/, RangeError],
    ['nesterov with adam', { optimizer: 'adam', nesterov: true }, /options.nesterov applies to the "momentum" optimizer/, TypeError],
    ['typo', { epoch: 3 }, /options has an unknown option "epoch"/, TypeError],
    ['early stopping without validation', { earlyStopping: { monitor: 'valLoss' } }, /options.earlyStopping.monitor is "valLoss" but no options.validation was given/, RangeError],
  ];
  for (const [name, options, message, type] of badOptions) {
    it(`fit rejects ${name}`, async () => {
      const error = await net().fit(tiny(), options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('predict checks its input', () => {
    expect(() => net().predict(new Float32Array(3))).toThrow(/x must hold a whole number of rows of 2 values .*received 3 values/);
    expect(() => net().predict([1, 2] as unknown as Float32Array)).toThrow(/x must be a Float32Array of n x 2 values/);
    expect(() => net().predict(new Float32Array([1, NaN]))).toThrow(/x must hold finite numbers, received NaN at row 0, column 1/);
  });
});

describe('predict and evaluate', () => {
  it('predict returns n x outputs probabilities that sum to one', () => {
    const net = new Network({ layers: [2, 5, 3], backend: 'js', seed: 4 });
    const p = net.predict(new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]));
    expect(p).toBeInstanceOf(Float32Array);
    expect(p.length).toBe(9);
    for (let r = 0; r < 3; r++) expect(p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2]).toBeCloseTo(1, 6);
  });

  it('evaluate gives loss, accuracy and a confusion matrix that add up', () => {
    const net = new Network({ layers: [2, 5, 2], backend: 'js', seed: 4 });
    const e = net.evaluate(tiny());
    expect(e.n).toBe(4);
    expect(e.loss).toBeGreaterThan(0);
    expect(e.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(4);
    const diagonal = e.confusion![0][0] + e.confusion![1][1];
    expect(e.accuracy).toBeCloseTo(diagonal / 4, 12);
    const classes = net.predictClasses(tiny().x as Float32Array);
    expect(classes.length).toBe(4);
  });
});
