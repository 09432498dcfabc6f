/**
 * net.toOnnx() run in onnxruntime: the same answers as predict (max abs
 * difference under 1e-5) and predictClasses, for every activation of the
 * registry, every output, with and without preprocessing, at batch sizes 1
 * and 1000, on real rows (the digits) and random ones.
 */
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { loadDigits } from '../src/data/digits.js';
import { PREPROCESSINGS } from '../src/data/preprocess.js';
import { Network } from '../src/network.js';
import { ONNX_ACTIVATIONS } from '../src/onnx/activations.js';
import { ONNX_LAYERS } from '../src/onnx/layers.js';
import { ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS } from '../src/ops/activations/index.js';
import { LAYER_KIND_NAMES } from '../src/ops/layers/index.js';
import type { PlanLayer } from '../src/plan.js';
import { Rng } from '../src/rng.js';
import { expectClose } from './support/compare.js';
import { batchesOf, expectOnnxMatchesPredict, maxDifferences, ONNX_TOLERANCE, onnxSession } from './support/onnx.js';

const digits = loadDigits();
/** The digits' rows (loadDigits gives float32). */
const digitRows = digits.x as Float32Array;
const sorted = (names: readonly string[]) => [...names].sort();

/** n rows of features around 8 with spread 5 (the digits' 0..16 range): raw inputs that preprocessing matters for. */
function randomRows(seed: number, n: number, features: number): Float32Array {
  const rng = new Rng(seed);
  return new Float32Array(n * features).map(() => 8 + 5 * rng.normal());
}

/**
 * n random rows within the range each feature spans in x: random inputs a
 * network trained on x may be asked about. (Beyond it, a digits pixel that
 * is almost always 0 standardizes to hundreds, the logits to thousands,
 * and two float32 GEMMs that sum in different orders differ by 1e-4 there.)
 */
function randomRowsLike(x: Float32Array, features: number, n: number): Float32Array {
  const min = new Float32Array(features).fill(Infinity);
  const max = new Float32Array(features).fill(-Infinity);
  x.forEach((v, i) => {
    min[i % features] = Math.min(min[i % features], v);
    max[i % features] = Math.max(max[i % features], v);
  });
  const rng = new Rng(7);
  return new Float32Array(n * features).map((_, i) => min[i % features] + rng.uniform() * (max[i % features] - min[i % features]));
}

/** Both kinds of input rows a network is checked on: real and random, each at batch 1 and 1000. */
async function expectAgreement(net: Network, label: string, real: Float32Array): Promise<void> {
  const session = await onnxSession(net.toOnnx());
  for (const [kind, rows] of [['real', real], ['random', randomRowsLike(real, net.inputs, 1000)]] as const) {
    for (const [batch, x] of batchesOf(rows, net.inputs)) await expectOnnxMatchesPredict(net, session, x, `${label}, ${kind} rows, ${batch}`);
  }
}

afterAll(() => {
  const [label, worst] = [...maxDifferences].reduce((a, b) => (b[1] > a[1] ? b : a));
  console.log(`onnx vs predict: ${maxDifferences.size} comparisons, max abs difference ${worst.toExponential(2)} (${label})`);
});

describe('the ONNX tables cover the registry', () => {
  it('every activation and every layer kind has an entry, and no entry is stale', () => {
    expect(sorted(Object.keys(ONNX_ACTIVATIONS))).toEqual(sorted(Object.keys(ACTIVATIONS)));
    expect(sorted(Object.keys(ONNX_LAYERS))).toEqual(sorted(LAYER_KIND_NAMES));
  });
});

describe('each hidden activation, alone: f(z) for z in [-8, 8]', () => {
  // dense 1 -> 1 (weight 1, bias 0), the activation, dense 1 -> 1, linear:
  // the output is f(z) itself, so a wrong constant (a slope, GELU's erf for
  // its tanh form) shows undamped.
  const z = Float32Array.from({ length: 1000 }, (_, i) => -8 + (16 * i) / 999);
  for (const activation of HIDDEN_ACTIVATIONS) {
    it(activation, async () => {
      const net = new Network({
        inputs: 1,
        plan: [{ kind: 'dense', units: 1 }, { kind: 'activation', activation }, { kind: 'dense', units: 1 }, { kind: 'output', activation: 'linear' }],
      });
      net.params.set([1, 0, 1, 0]);
      const session = await onnxSession(net.toOnnx());
      for (const [batch, x] of batchesOf(z, 1)) await expectOnnxMatchesPredict(net, session, x, `${activation} alone, ${batch}`);
    });
  }
});

describe('preprocessing, bit for bit, on inputs far outside the training range', () => {
  // The random rows above stay in the data's range because the GEMMs after a
  // standardization that blows up a nearly constant pixel differ in the
  // summation order (descent's js and native backends differ by 1e-4 there
  // too). The preprocessing itself has no such slack: through an identity
  // dense layer the ONNX output is the preprocessed row, and it is predict's
  // to the bit, however wide the input.
  for (const preprocess of ['minmax', 'standardize'] as const) {
    it(preprocess, async () => {
      const net = new Network({ inputs: 64, plan: [{ kind: 'dense', units: 64 }, { kind: 'output', activation: 'linear' }] });
      net.params.fill(0);
      for (let j = 0; j < 64; j++) net.params[j * 64 + j] = 1;
      const trained = new Network({ layers: [64, 8, 10] });
      await trained.fit(digits, { epochs: 1, preprocess });
      net.preprocessing = trained.preprocessing;
      const rng = new Rng(17);
      const wide = new Float32Array(1000 * 64).map(() => 8 + 1000 * rng.normal());
      const { outputs } = await (await onnxSession(net.toOnnx())).run({ features: new ort.Tensor('float32', wide, [1000, 64]) });
      expect(Buffer.from((outputs.data as Float32Array).buffer).equals(Buffer.from(net.predict(wide).buffer))).toBe(true);
    });
  }
});

describe('digits classifiers: every hidden activation x every preprocessing', () => {
  for (const activation of HIDDEN_ACTIVATIONS) {
    for (const preprocess of PREPROCESSINGS) {
      it(`${activation}, preprocess ${preprocess}`, async () => {
        const net = new Network({ layers: [64, 24, 16, 10], activation, dropout: 0.1, seed: 3 });
        await net.fit(digits, { epochs: 3, preprocess });
        expect(net.preprocessing?.kind ?? 'none').toBe(preprocess);
        await expectAgreement(net, `digits ${activation} ${preprocess}`, digitRows);
      });
    }
  }

  it('a deep plan with every hidden activation in turn and dropout between', async () => {
    const plan = HIDDEN_ACTIVATIONS.flatMap((activation) => [
      { kind: 'dense', units: 20 } as const,
      { kind: 'activation', activation } as const,
      { kind: 'dropout', rate: 0.05 } as const,
    ]);
    const net = new Network({ inputs: 64, plan: [...plan, { kind: 'dense', units: 10 }, { kind: 'output', activation: 'softmax' }], seed: 5 });
    await net.fit(digits, { epochs: 3, preprocess: 'standardize' });
    await expectAgreement(net, 'deep plan', digitRows);
  });
});

/** 2000 rows of 12 raw features and the dataset an output trains on: classes for softmax and sigmoid, targets in (-1, 1) otherwise. */
function outputData(activation: string, outputs: number): Dataset {
  const n = 2000;
  const features = 12;
  const x = randomRows(11, n, features);
  const rng = new Rng(13);
  const teacher = Float64Array.from({ length: features * outputs }, () => rng.normal());
  const scores = (r: number, j: number) => {
    let s = 0;
    for (let k = 0; k < features; k++) s += ((x[r * features + k] - 8) / 5) * teacher[k * outputs + j];
    return s;
  };
  if (activation === 'softmax' || activation === 'sigmoid') {
    const y = Int32Array.from({ length: n }, (_, r) => {
      if (outputs === 1) return scores(r, 0) > 0 ? 1 : 0;
      let best = 0;
      for (let j = 1; j < outputs; j++) if (scores(r, j) > scores(r, best)) best = j;
      return best;
    });
    return { x, y, n, features, classes: outputs === 1 ? 2 : outputs, labelNames: outputs === 1 ? ['no', 'yes'] : undefined };
  }
  const y = Float32Array.from({ length: n * outputs }, (_, i) => Math.tanh(scores(Math.floor(i / outputs), i % outputs) / 3));
  return { x, y, n, features };
}

describe('every output activation, with and without preprocessing', () => {
  for (const output of OUTPUT_ACTIVATIONS) {
    // Softmax needs two units at least; the others are checked with one unit and with three.
    for (const outputs of ACTIVATIONS[output].rowwise ? [3] : [1, 3]) {
      for (const preprocess of ['none', 'minmax'] as const) {
        it(`${output} x ${outputs}, preprocess ${preprocess}`, async () => {
          const data = outputData(output, outputs);
          const net = new Network({ layers: [12, 16, outputs], activation: 'tanh', output });
          await net.fit(data, { epochs: 5, preprocess });
          await expectAgreement(net, `output ${output} x ${outputs} ${preprocess}`, data.x as Float32Array);
        });
      }
    }
  }
});

describe('classes on ties, as predictClasses breaks them', () => {
  it('all-zero weights: softmax picks the first class, one sigmoid unit at exactly 0.5 says 1', async () => {
    for (const [output, outputs] of [['softmax', 4], ['sigmoid', 1]] as const) {
      const net = new Network({ layers: [5, 3, outputs], output });
      net.params.fill(0);
      const session = await onnxSession(net.toOnnx());
      await expectOnnxMatchesPredict(net, session, randomRows(1, 10, 5), `ties ${output}`);
      expect(Array.from(net.predictClasses(randomRows(1, 10, 5)))).toEqual(new Array(10).fill(output === 'softmax' ? 0 : 1));
    }
  });
});

describe('plans ONNX cannot express are refused, naming the layer', () => {
  const builtIns = Object.keys(ACTIVATIONS).join(', ');
  const custom = { name: 'my-tanh', f: Math.tanh, derivative: (z: number) => 1 - Math.tanh(z) ** 2 };

  it('a custom activation object in a hidden layer', () => {
    const net = new Network({ layers: [4, 3, 2] });
    net.plan.layers[1] = { kind: 'activation', activation: custom } as unknown as PlanLayer;
    expect(() => net.toOnnx()).toThrow(
      new TypeError(`plan[1].activation is the custom activation "my-tanh": ONNX export supports only descent's built-in activations (${builtIns})`),
    );
  });

  it('a network built with a custom activation (js backend), shorthand or explicit plan', () => {
    const shorthand = new Network({ layers: [4, 3, 2], activation: custom, backend: 'js' });
    expect(() => shorthand.toOnnx()).toThrow(
      new TypeError(`plan[1].activation is the custom activation "my-tanh": ONNX export supports only descent's built-in activations (${builtIns})`),
    );
    const explicit = new Network({
      inputs: 4,
      plan: [
        { kind: 'dense', units: 3 },
        { kind: 'activation', activation: 'relu' },
        { kind: 'dense', units: 3 },
        { kind: 'activation', activation: custom },
        { kind: 'dense', units: 2 },
        { kind: 'output', activation: 'softmax' },
      ],
      backend: 'js',
    });
    expect(() => explicit.toOnnx()).toThrow(/^plan\[3\]\.activation is the custom activation "my-tanh"/);
  });

  it('a custom activation as the output, and a name the registry does not have', () => {
    const net = new Network({ layers: [4, 3, 2] });
    net.plan.layers[3] = { kind: 'output', activation: custom, loss: 'mse' } as unknown as PlanLayer;
    expect(() => net.toOnnx()).toThrow(/^plan\[3\]\.activation is the custom activation "my-tanh": ONNX export supports only/);
    net.plan.layers[1] = { kind: 'activation', activation: 'swish' } as unknown as PlanLayer;
    expect(() => net.toOnnx()).toThrow(/^plan\[1\]\.activation is "swish", not a built-in activation: ONNX export supports only descent's built-in activations \(relu, /);
  });

  it('a layer kind the export does not know', () => {
    const net = new Network({ layers: [4, 3, 2] });
    net.plan.layers.splice(2, 0, { kind: 'batch-norm' } as unknown as PlanLayer);
    expect(() => net.toOnnx()).toThrow(
      new TypeError('plan[2] is a "batch-norm" layer: ONNX export supports only the layer kinds dense, activation, dropout, output'),
    );
  });
});

describe('byte inputs: { input: "uint8" } takes the bytes predict takes as a Uint8Array (each byte / 255)', () => {
  it('every byte value scales to the float32 predict computes, bit for bit', async () => {
    // dense 1 -> 1 (weight 1, bias 0), linear: the output is the scaled byte itself.
    const net = new Network({ inputs: 1, plan: [{ kind: 'dense', units: 1 }, { kind: 'output', activation: 'linear' }] });
    net.params.set([1, 0]);
    const bytes = Uint8Array.from({ length: 256 }, (_, b) => b);
    const session = await onnxSession(net.toOnnx({ input: 'uint8' }));
    expect(session.inputMetadata[0]).toMatchObject({ name: 'features', type: 'uint8' });
    const { outputs } = await session.run({ features: new ort.Tensor('uint8', bytes, [256, 1]) });
    expect(Array.from(outputs.data as Float32Array)).toEqual(Array.from(net.predict(bytes)));
  });

  for (const preprocess of PREPROCESSINGS) {
    it(`a network trained on bytes, preprocess ${preprocess}: batches 1, 7 and 1000 of raw bytes`, async () => {
      const rng = new Rng(21);
      const n = 1200;
      const features = 16;
      const y = Int32Array.from({ length: n }, (_, r) => r % 3);
      // Pixel-like bytes: a few features almost always 0 (standardize scales those up), the rest spread by class.
      const x = Uint8Array.from({ length: n * features }, (_, i) => {
        const [r, j] = [Math.floor(i / features), i % features];
        if (j < 3) return rng.uniform() < 0.02 ? 255 : 0;
        return Math.min(255, Math.max(0, Math.round(60 * y[r] + 40 * rng.normal() + 50)));
      });
      const net = new Network({ layers: [features, 12, 3], activation: 'tanh', seed: 2 });
      await net.fit({ x, y, n, features, classes: 3 }, { epochs: 3, preprocess });
      const session = await onnxSession(net.toOnnx({ input: 'uint8' }));
      for (const count of [1, 7, 1000]) {
        const rows = x.subarray(0, count * features);
        const results = await session.run({ features: new ort.Tensor('uint8', rows, [count, features]) });
        expectClose(results.probabilities.data as Float32Array, net.predict(rows), `bytes ${preprocess}, batch ${count}`, ONNX_TOLERANCE);
        expect(Array.from(results.class.data as BigInt64Array, Number)).toEqual(Array.from(net.predictClasses(rows)));
      }
    });
  }

  it('an input type other than float32 and uint8 is refused naming the option', () => {
    const net = new Network({ layers: [4, 3, 2] });
    expect(() => net.toOnnx({ input: 'bytes' } as never)).toThrow(new TypeError('options.input must be one of "float32", "uint8", received "bytes"'));
    expect(() => net.toOnnx({ inputs: 'uint8' } as never)).toThrow(new TypeError('options has an unknown option "inputs"; expected one of input, classifier'));
    expect(() => net.toOnnx({ classifier: 'yes' } as never)).toThrow(/options.classifier must be/);
  });
});
