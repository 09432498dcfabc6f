/** descent export, end to end: the file it writes runs in onnxruntime with the model's predictions; its failures. */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDigits } from '../src/data/digits.js';
import { Network } from '../src/network.js';
import { onnx } from '../src/onnx/proto.js';
import { cliInTempDir } from './support/cli.js';
import { expectClose } from './support/compare.js';
import { expectOnnxMatchesPredict, ONNX_TOLERANCE, onnxSession } from './support/onnx.js';

const { path, descent } = cliInTempDir('descent-onnx-cli-');

/** The digits' rows (loadDigits gives float32). */
const rows = loadDigits().x as Float32Array;

beforeAll(async () => {
  const net = new Network({ layers: [64, 32, 10], activation: 'gelu' });
  await net.fit(loadDigits(), { epochs: 3, preprocess: 'standardize' });
  await net.save(path('digits.model'));
});

describe('descent export', () => {
  it('writes the ONNX model, which onnxruntime runs with the saved model\'s predictions and classes', async () => {
    const { code, stdout, stderr } = descent('export', '--model', 'digits.model', '--onnx', 'digits.onnx', '--json');
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    const bytes = readFileSync(path('digits.onnx'));
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      command: 'export',
      model: 'digits.model',
      onnx: 'digits.onnx',
      opset: 13,
      bytes: bytes.length,
      input: 'features',
      inputType: 'float32',
      outputs: ['probabilities', 'class'],
    });
    const net = await Network.load(path('digits.model'));
    expect(bytes.equals(Buffer.from(net.toOnnx()))).toBe(true);
    const session = await onnxSession(bytes);
    await expectOnnxMatchesPredict(net, session, rows.subarray(0, 1000 * 64), 'cli export, batch 1000');
    await expectOnnxMatchesPredict(net, session, rows.subarray(0, 64), 'cli export, batch 1');
  });

  it('says what it wrote in one line without --json', () => {
    const { code, stdout } = descent('export', '--model', 'digits.model', '--onnx', 'plain.onnx');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^wrote plain\.onnx: ONNX opset 13, \d+ bytes; input features float32 \[batch, 64\], outputs probabilities, class\n$/);
  });

  it('a missing model: one line naming it, exit 1, and the old ONNX file left as it was', () => {
    writeFileSync(path('kept.onnx'), 'old');
    const { code, stdout, stderr } = descent('export', '--model', 'no-such.model', '--onnx', 'kept.onnx');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('descent: file not found: no-such.model\n');
    expect(readFileSync(path('kept.onnx'), 'utf8')).toBe('old');
  });

  it('an output directory that does not exist: one line naming --onnx, exit 1', () => {
    const { code, stderr } = descent('export', '--model', 'digits.model', '--onnx', 'missing-dir/out.onnx');
    expect(code).toBe(1);
    expect(stderr).toBe(`descent: cannot write --onnx missing-dir/out.onnx: the directory ${path('missing-dir')} does not exist\n`);
    expect(existsSync(path('missing-dir'))).toBe(false);
  });

  it('--onnx naming the model file itself (or a link to it) is refused, and the model is left as it was', () => {
    const model = readFileSync(path('digits.model'));
    symlinkSync(path('digits.model'), path('link.model'));
    for (const onnx of ['digits.model', './digits.model', path('digits.model'), 'link.model']) {
      const { code, stdout, stderr } = descent('export', '--model', 'digits.model', '--onnx', onnx);
      expect(code, onnx).toBe(1);
      expect(stdout, onnx).toBe('');
      expect(stderr, onnx).toBe(`descent: cannot write --onnx ${onnx}: it is the model file (--model digits.model); writing would replace it\n`);
      expect(readFileSync(path('digits.model')).equals(model), onnx).toBe(true);
    }
  });

  it('an empty --onnx: one line naming the flag, exit 1', () => {
    const { code, stderr } = descent('export', '--model', 'digits.model', '--onnx', '');
    expect(code).toBe(1);
    expect(stderr).toBe('descent: cannot write --onnx "": the path is empty\n');
  });

  it('over an existing file: replaced whole by the export', () => {
    writeFileSync(path('old.onnx'), 'an older export');
    const { code } = descent('export', '--model', 'digits.model', '--onnx', 'old.onnx');
    expect(code).toBe(0);
    expect(readFileSync(path('old.onnx')).equals(readFileSync(path('digits.onnx')))).toBe(true);
  });

  it('a model trained on IDX images takes the pixel bytes, as descent predict reads them from an IDX file', async () => {
    // 4x4 images, class 0 bright on the left half, class 1 on the right; a few pixels always 0 but one.
    const n = 300;
    const images = Buffer.alloc(16 + n * 16);
    [0x803, n, 4, 4].forEach((v, i) => images.writeUInt32BE(v, 4 * i));
    const labels = Buffer.alloc(8 + n);
    [0x801, n].forEach((v, i) => labels.writeUInt32BE(v, 4 * i));
    for (let i = 0; i < n; i++) {
      labels[8 + i] = i % 2;
      for (let p = 0; p < 16; p++) {
        images[16 + i * 16 + p] = p === 0 ? (i === 5 ? 255 : 0) : ((p % 4 < 2) === (i % 2 === 0) ? 180 : 40) + ((i * 37 + p * 11) % 60);
      }
    }
    mkdirSync(path('idx'));
    for (const set of ['train', 't10k']) {
      writeFileSync(path(`idx/${set}-images-idx3-ubyte`), images);
      writeFileSync(path(`idx/${set}-labels-idx1-ubyte`), labels);
    }
    const trained = descent('train', '--data', `idx:${path('idx')}`, '--layers', '16,8,2', '--epochs', '3', '--preprocess', 'standardize', '--save', 'idx.model');
    expect(trained.code, trained.stderr).toBe(0);
    const exported = descent('export', '--model', 'idx.model', '--onnx', 'idx.onnx', '--json');
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout.trim().split('\n').pop()!)).toMatchObject({ input: 'features', inputType: 'uint8' });
    const net = await Network.load(path('idx.model'));
    const pixels = new Uint8Array(images.subarray(16));
    const session = await onnxSession(readFileSync(path('idx.onnx')));
    const results = await session.run({ features: new ort.Tensor('uint8', pixels, [n, 16]) });
    expectClose(results.probabilities.data as Float32Array, net.predict(pixels), 'idx export', ONNX_TOLERANCE);
    expect(Array.from(results.class.data as BigInt64Array, Number)).toEqual(Array.from(net.predictClasses(pixels)));
    // --input-type float32: the floats predict widens the bytes to.
    const floats = descent('export', '--model', 'idx.model', '--onnx', 'idx-floats.onnx', '--input-type', 'float32');
    expect(floats.stdout).toMatch(/input features float32 \[batch, 16\]/);
    const floatSession = await onnxSession(readFileSync(path('idx-floats.onnx')));
    const scaled = Float32Array.from(pixels, (b) => b / 255);
    const floatResults = await floatSession.run({ features: new ort.Tensor('float32', scaled, [n, 16]) });
    expectClose(floatResults.probabilities.data as Float32Array, net.predict(pixels), 'idx export, float32', ONNX_TOLERANCE);
  });

  it('a network descent train fit with mse to class labels is a classifier in the export, as in descent predict', async () => {
    const trained = descent('train', '--data', 'digits', '--layers', '64,16,10', '--output', 'tanh', '--loss', 'mse', '--epochs', '2', '--save', 'tanh.model');
    expect(trained.code, trained.stderr).toBe(0);
    const exported = descent('export', '--model', 'tanh.model', '--onnx', 'tanh.onnx', '--json');
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout.trim().split('\n').pop()!)).toMatchObject({ outputs: ['probabilities', 'class'] });
    const net = await Network.load(path('tanh.model'));
    const session = await onnxSession(readFileSync(path('tanh.onnx')));
    const results = await session.run({ features: new ort.Tensor('float32', rows.subarray(0, 200 * 64), [200, 64]) });
    expect(Array.from(results.class.data as BigInt64Array, Number)).toEqual(Array.from(net.predictClasses(rows.subarray(0, 200 * 64))));
    // The API's default reads the loss and label names alone: mse without names is a regressor.
    expect(onnx.ModelProto.decode(net.toOnnx()).graph!.output!.map((o) => o.name)).toEqual(['outputs']);
    expect(onnx.ModelProto.decode(net.toOnnx({ classifier: true })).graph!.output!.map((o) => o.name)).toEqual(['probabilities', 'class']);
  });

  it('an --input-type that is neither float32 nor uint8 is a usage error naming the flag', () => {
    const { code, stderr } = descent('export', '--model', 'digits.model', '--onnx', 'x.onnx', '--input-type', 'bytes');
    expect(code).toBe(2);
    expect(stderr).toBe('descent: --input-type must be float32 or uint8, received "bytes" (see descent export --help)\n');
    expect(existsSync(path('x.onnx'))).toBe(false);
  });

  it('a model trained on a CSV file of named classes carries the names, as descent predict writes them, in label_names', async () => {
    const lines = ['a,b,species'];
    for (let i = 0; i < 90; i++) lines.push(`${(i % 3) + ((i * 7) % 10) / 20},${((i * 13) % 10) / 10},${['setosa', 'versicolor', 'virginica'][i % 3]}`);
    writeFileSync(path('flowers.csv'), `${lines.join('\n')}\n`);
    const trained = descent('train', '--data', 'flowers.csv', '--label', 'species', '--layers', '2,6,3', '--epochs', '2', '--save', 'flowers.model');
    expect(trained.code, trained.stderr).toBe(0);
    expect(descent('export', '--model', 'flowers.model', '--onnx', 'flowers.onnx').code).toBe(0);
    const model = onnx.ModelProto.decode(readFileSync(path('flowers.onnx')));
    const metadata = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    const header = descent('predict', '--model', 'flowers.model', '--input', 'flowers.csv', '--label', 'species').stdout.split('\n')[0];
    expect(header).toBe('label,setosa,versicolor,virginica');
    expect(JSON.parse(metadata.label_names)).toEqual(header.split(',').slice(1));
  });

  it('a missing flag is a usage error: one line, exit 2', () => {
    const { code, stderr } = descent('export', '--model', 'digits.model');
    expect(code).toBe(2);
    expect(stderr).toBe("descent: required option '--onnx <file>' not specified (see descent export --help)\n");
  });
});
