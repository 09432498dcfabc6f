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
    expect(net.plan.layers.flatMap((l) => (l.kind === 'dense' ? [[l.weightOffset, l.biasOffset]] : []))).toEqual([
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

  it("he scales by the following activation's second moment: 2 for relu, 2.81 for silu, 2.35 for gelu", () => {
    const std = (net: Network, from: number, to: number) => {
      const w = net.params.subarray(from, to);
      return Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    };
    for (const [activation, gain2] of [['relu', 2], ['silu', 2.8108], ['gelu', 2.3519]] as const) {
      const net = new Network({ layers: [400, 300, 50], activation, init: 'he', backend: 'js' });
      expect(std(net, 0, 400 * 300), activation).toBeCloseTo(Math.sqrt(gain2 / 400), 3);
      // The last dense layer feeds the output: it takes the hidden activation's factor.
      const last = 400 * 300 + 300;
      expect(std(net, last, last + 300 * 50), `${activation}, last layer`).toBeCloseTo(Math.sqrt(gain2 / 300), 2);
    }
    // In an explicit plan each dense layer takes the activation it feeds.
    const mixed = new Network({
      inputs: 400,
      plan: [{ kind: 'dense', units: 300 }, { kind: 'activation', activation: 'silu' }, { kind: 'dropout', rate: 0.1 }, { kind: 'dense', units: 200 }, { kind: 'activation', activation: 'relu' }, { kind: 'dense', units: 10 }, { kind: 'output', activation: 'softmax' }],
      backend: 'js',
    });
    expect(std(mixed, 0, 400 * 300)).toBeCloseTo(Math.sqrt(2.8108 / 400), 3);
    const second = 400 * 300 + 300;
    expect(std(mixed, second, second + 300 * 200)).toBeCloseTo(Math.sqrt(2 / 300), 3);
  });
});

describe('bad network options name the parameter, the expectation and the value', () => {
  const cases: [string, unknown, RegExp, ErrorConstructor][] = [
    ['layers missing', {}, /layers must be an array of at least 2 layer sizes .*received undefined/, TypeError],
    ['one layer', { layers: [3] }, /layers must be an array of at least 2 layer sizes .*received \[3\]/, TypeError],
    ['zero size', { layers: [3, 0, 2] }, /layers\[1\] must be a positive integer layer size \(at most 16777216\), received 0/, RangeError],
    ['fractional size', { layers: [3, 2.5] }, /layers\[1\] must be a positive integer layer size \(at most 16777216\), received 2.5/, RangeError],
    ['activation', { layers: [2, 2], activation: 'relu6' }, /activation must be one of "relu", "leaky-relu", "tanh", "sigmoid", "linear", "gelu", "silu", received "relu6"/, TypeError],
    ['output', { layers: [2, 2], output: 'softplus' }, /output must be one of .*received "softplus"/, TypeError],
    ['loss', { layers: [2, 2], loss: 'hinge' }, /loss must be one of "cross-entropy", "binary-cross-entropy", "mse", received "hinge"/, TypeError],
    ['mismatch', { layers: [2, 2], output: 'softmax', loss: 'binary-cross-entropy' }, /output "softmax" does not fit loss "binary-cross-entropy": binary-cross-entropy expects output "sigmoid"/, TypeError],
    ['ce on tanh', { layers: [2, 2], output: 'tanh', loss: 'cross-entropy' }, /output "tanh" does not fit loss "cross-entropy"/, TypeError],
    ['softmax of one', { layers: [2, 1], output: 'softmax' }, /output "softmax" needs at least 2 output units/, RangeError],
    ['init', { layers: [2, 2], init: 'xavier' }, /init must be one of "he", "glorot", "uniform", received "xavier"/, TypeError],
    ['seed', { layers: [2, 2], seed: -1 }, /seed must be a non-negative integer, received -1/, RangeError],
    ['backend', { layers: [2, 2], backend: 'gpu' }, /backend must be one of "js", "native", "auto", received "gpu"/, TypeError],
    ['typo', { layers: [2, 2], learningRate: 0.1 }, /options has an unknown option "learningRate"/, TypeError],
    ['a hole in layers', { layers: [4, , 3] }, /layers\[1\] must be a positive integer layer size .*received a hole in the array/, RangeError],
    ['too many parameters', { layers: [1, 2e7, 1] }, /layers\[1\] must be a positive integer layer size \(at most 16777216\), received 20000000/, RangeError],
    ['too many parameters in all', { layers: [16777216, 200, 10] }, /layers \[16777216,200,10\] needs more than 2147483647 parameters/, RangeError],
    ['dropout of 1', { layers: [2, 3, 2], dropout: 1 }, /dropout must be a number in \[0, 1\), received 1/, RangeError],
    ['gelu as the output', { layers: [2, 2], output: 'gelu' }, /output must be one of "tanh", "sigmoid", "linear", "softmax", received "gelu"/, TypeError],
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
    expect(() => net().predict({ 0: 1, 1: 2 } as unknown as Float32Array)).toThrow(/x must be a Float32Array or Uint8Array of n x 2 values/);
    expect(() => net().predict(new Float32Array([1, NaN]))).toThrow(/x must hold finite numbers, received NaN at row 0, column 1/);
  });

  it('predict refuses rows of number[][] that hold anything but numbers, naming the row and column', async () => {
    const three = new Network({ layers: [3, 2], backend: 'js' });
    const cases: [unknown[][], string][] = [
      [[[null, null, null]], 'x[0][0] (row 0, column 0) must be a number, received null'],
      [[[1, 2, 3], [4, true, 6]], 'x[1][1] (row 1, column 1) must be a number, received true'],
      [[[1, 2, '1']], 'x[0][2] (row 0, column 2) must be a number, received "1"'],
      [[[' 1 ', 2, 3]], 'x[0][0] (row 0, column 0) must be a number, received " 1 "'],
      [[[1, undefined, 3]], 'x[0][1] (row 0, column 1) must be a number, received undefined'],
      [[[1, 2n, 3]], 'x[0][1] (row 0, column 1) must be a number, received 2n (a BigInt)'],
    ];
    for (const [rows, message] of cases) {
      expect(() => three.predict(rows as number[][])).toThrow(new TypeError(message));
      expect(() => three.predictClasses(rows as number[][])).toThrow(new TypeError(message));
      await expect(three.predictAsync(rows as number[][])).rejects.toThrow(new TypeError(message));
    }
    // eslint-disable-next-line no-sparse-arrays
    expect(() => three.predict([[1, , 3]] as number[][])).toThrow('x[0][1] (row 0, column 1) must be a number, received undefined');
    expect(Array.from(three.predict([[1, 2, 3]]))).toEqual(Array.from(three.predict(new Float32Array([1, 2, 3]))));
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

describe('an explicit plan', () => {
  const plan = [
    { kind: 'dense', units: 5 },
    { kind: 'activation', activation: 'gelu' },
    { kind: 'dropout', rate: 0.25 },
    { kind: 'dense', units: 3 },
    { kind: 'output', activation: 'softmax' },
  ] as const;

  it('resolves to plain data with offsets, which JSON keeps whole', () => {
    const net = new Network({ inputs: 4, plan: [...plan], backend: 'js' });
    expect(net.plan).toEqual({
      inputs: 4,
      outputs: 3,
      size: 4 * 5 + 5 + 5 * 3 + 3,
      layers: [
        { kind: 'dense', inputs: 4, units: 5, init: 'he', weightOffset: 0, biasOffset: 20 },
        { kind: 'activation', activation: 'gelu' },
        { kind: 'dropout', rate: 0.25 },
        { kind: 'dense', inputs: 5, units: 3, init: 'he', weightOffset: 25, biasOffset: 40 },
        { kind: 'output', activation: 'softmax', loss: 'cross-entropy' },
      ],
    });
    expect(JSON.parse(JSON.stringify(net.plan))).toEqual(net.plan);
    expect(net.layers).toEqual([4, 5, 3]);
    expect(net.activation).toBe('gelu');
  });

  it('the shorthand builds the same plan as its explicit form, with the same weights', () => {
    const short = new Network({ layers: [4, 5, 3], activation: 'gelu', dropout: 0.25, seed: 3, backend: 'js' });
    const explicit = new Network({ inputs: 4, plan: [...plan], seed: 3, backend: 'js' });
    expect(explicit.plan).toEqual(short.plan);
    expect(Array.from(explicit.params)).toEqual(Array.from(short.params));
  });

  it('a stored plan (offsets included) builds again', () => {
    const net = new Network({ inputs: 4, plan: [...plan], backend: 'js' });
    const again = new Network({ inputs: 4, plan: net.plan.layers as never, backend: 'js' });
    expect(again.plan).toEqual(net.plan);
  });

  it('dropout is off in predict and evaluate: the same input gives the same output', () => {
    const net = new Network({ layers: [4, 16, 3], dropout: 0.5, backend: 'js', seed: 1 });
    const x = new Float32Array([0.1, -0.2, 0.3, 0.4]);
    expect(Array.from(net.predict(x))).toEqual(Array.from(net.predict(x)));
    const plain = new Network({ layers: [4, 16, 3], backend: 'js', seed: 1 });
    expect(Array.from(net.predict(x))).toEqual(Array.from(plain.predict(x)));
  });

  const bad: [string, unknown, RegExp, ErrorConstructor][] = [
    ['an unknown layer kind', [{ kind: 'conv', units: 3 }, { kind: 'output', activation: 'softmax' }], /plan\[0\].kind must be one of "dense", "activation", "dropout", "output", received "conv"/, TypeError],
    ['a dropout rate of 1', [{ kind: 'dense', units: 3 }, { kind: 'dropout', rate: 1 }, { kind: 'output', activation: 'softmax' }], /plan\[1\].rate must be a number in \[0, 1\), received 1/, RangeError],
    ['a negative dropout rate', [{ kind: 'dense', units: 3 }, { kind: 'dropout', rate: -0.1 }, { kind: 'output', activation: 'softmax' }], /plan\[1\].rate must be a number in \[0, 1\), received -0.1/, RangeError],
    ['a dense layer of 0 units', [{ kind: 'dense', units: 0 }, { kind: 'output', activation: 'softmax' }], /plan\[0\].units must be an integer in \[1, 16777216\], received 0/, RangeError],
    ['no output layer at the end', [{ kind: 'dense', units: 3 }, { kind: 'activation', activation: 'relu' }], /plan\[1\] is a activation layer, but a plan must end in an output layer/, TypeError],
    ['an output layer before the end', [{ kind: 'dense', units: 3 }, { kind: 'output', activation: 'softmax' }, { kind: 'dense', units: 3 }], /plan\[1\] is an output layer, which must be the plan's last layer/, TypeError],
    ['softmax as a hidden activation', [{ kind: 'dense', units: 3 }, { kind: 'activation', activation: 'softmax' }, { kind: 'dense', units: 2 }, { kind: 'output', activation: 'softmax' }], /plan\[1\].activation must be one of .*received "softmax" \(an output activation/, TypeError],
    ['an unknown activation', [{ kind: 'dense', units: 3 }, { kind: 'activation', activation: 'swish' }, { kind: 'output', activation: 'softmax' }], /plan\[1\].activation must be one of "relu", .*received "swish"/, TypeError],
    ['a loss that does not fit', [{ kind: 'dense', units: 3 }, { kind: 'output', activation: 'tanh', loss: 'cross-entropy' }], /plan\[1\].activation "tanh" does not fit plan\[1\].loss "cross-entropy"/, TypeError],
    ['an unknown field', [{ kind: 'dense', units: 3, activation: 'relu' }, { kind: 'output', activation: 'softmax' }], /plan\[0\] has an unknown field "activation" for a dense layer/, TypeError],
    ['no dense layer', [{ kind: 'output', activation: 'softmax' }], /plan has no dense layer/, TypeError],
    ['a hole', [{ kind: 'dense', units: 3 }, , { kind: 'output', activation: 'softmax' }], /plan\[1\] is missing/, TypeError],
    ['a stored offset that does not fit', [{ kind: 'dense', units: 3, weightOffset: 4 }, { kind: 'output', activation: 'softmax' }], /plan\[0\].weightOffset must be 0 here, received 4/, RangeError],
  ];
  for (const [name, layers, message, type] of bad) {
    it(`names the layer's index and field: ${name}`, () => {
      expect(() => new Network({ inputs: 3, plan: layers as never, backend: 'js' })).toThrow(type);
      expect(() => new Network({ inputs: 3, plan: layers as never, backend: 'js' })).toThrow(message);
    });
  }

  it('a stored plan names plan.layers in its messages', async () => {
    const { storedPlan } = await import('../src/build-plan.js');
    expect(() => storedPlan({ inputs: 3, layers: [{ kind: 'dense', units: 0 }, { kind: 'output', activation: 'softmax' }] })).toThrow(
      /plan.layers\[0\].units must be an integer in \[1, 16777216\], received 0/,
    );
    expect(() => storedPlan({ inputs: 0, layers: [] })).toThrow(/plan.inputs must be an integer/);
  });

  it('does not mix with the shorthand', () => {
    expect(() => new Network({ inputs: 3, plan: [...plan], activation: 'relu' } as never)).toThrow(
      /options.activation belongs to the shorthand form; with options.plan, write it as a layer of the plan/,
    );
    expect(() => new Network({ plan: [...plan] } as never)).toThrow(/inputs must be an integer in \[1, 16777216\]/);
  });
});

describe('optimizer state', () => {
  it('lives beside params, laid out like them, and a second fit continues from it', async () => {
    const data = tiny();
    const once = new Network({ layers: [2, 3, 2], backend: 'js', seed: 4 });
    await once.fit(data, { epochs: 4, batchSize: 2, shuffle: false, schedule: 'constant' });
    const twice = new Network({ layers: [2, 3, 2], backend: 'js', seed: 4 });
    await twice.fit(data, { epochs: 2, batchSize: 2, shuffle: false, schedule: 'constant' });
    expect(twice.optimizerState!.step).toBe(4);
    expect(twice.optimizerState!.moments.length).toBe(2 * twice.params.length);
    await twice.fit(data, { epochs: 2, batchSize: 2, shuffle: false, schedule: 'constant' });
    expect(twice.optimizerState!.step).toBe(8);
    // Adam's bias correction went on from step 4: the same weights as four epochs straight.
    expect(Array.from(twice.params)).toEqual(Array.from(once.params));
  });

  it('another optimizer starts from fresh state', async () => {
    const net = new Network({ layers: [2, 3, 2], backend: 'js' });
    await net.fit(tiny(), { epochs: 1, batchSize: 2 });
    expect(net.optimizerState!.optimizer).toBe('adam');
    await net.fit(tiny(), { epochs: 1, batchSize: 2, optimizer: 'momentum' });
    expect(net.optimizerState).toMatchObject({ optimizer: 'momentum', step: 2 });
    expect(net.optimizerState!.moments.length).toBe(net.params.length);
  });
});
