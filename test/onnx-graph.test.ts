/** What an exported ONNX model declares: opset, producer, input and output shapes, metadata. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Network } from '../src/network.js';
import { ONNX_OPSET } from '../src/onnx/export.js';
import { onnx } from '../src/onnx/proto.js';
import type { OnnxTypes } from '../src/onnx/proto.js';
import { expectClose } from './support/compare.js';
import { ONNX_TOLERANCE, onnxSession, runOnnx } from './support/onnx.js';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A value's element type and shape as [dim_param or dim_value, ...]. */
function shapeOf(value: OnnxTypes.IValueInfoProto): { type: number; dims: (string | number)[] } {
  const tensor = value.type!.tensorType!;
  return { type: tensor.elemType!, dims: tensor.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue))) };
}

async function trainedIris(): Promise<Network> {
  const net = new Network({ layers: [4, 8, 3] });
  const x = Float32Array.from({ length: 60 * 4 }, (_, i) => ((i * 7919) % 97) / 10);
  const y = Int32Array.from({ length: 60 }, (_, r) => r % 3);
  await net.fit({ x, y, n: 60, features: 4, classes: 3, labelNames: ['setosa', 'versicolor', 'virginica'] }, { epochs: 2, preprocess: 'minmax' });
  return net;
}

describe('the exported graph', () => {
  it('declares opset 13, descent as producer, a named float input and outputs with a dynamic batch, and the metadata', async () => {
    const net = await trainedIris();
    const model = onnx.ModelProto.decode(net.toOnnx());
    expect(ONNX_OPSET).toBe(13);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(model.producerName).toBe('descent');
    expect(model.producerVersion).toBe(version);
    const graph = model.graph!;
    expect(graph.input!.map((v) => [v.name, shapeOf(v)])).toEqual([['features', { type: onnx.TensorProto.DataType.FLOAT, dims: ['batch', 4] }]]);
    expect(graph.output!.map((v) => [v.name, shapeOf(v)])).toEqual([
      ['probabilities', { type: onnx.TensorProto.DataType.FLOAT, dims: ['batch', 3] }],
      ['class', { type: onnx.TensorProto.DataType.INT64, dims: ['batch'] }],
    ]);
    const metadata = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(metadata).toEqual({ descent_version: version, preprocessing: 'minmax', label_names: '["setosa","versicolor","virginica"]' });
    // The minmax preprocessing runs first, on the raw input.
    expect(graph.node!.slice(0, 2).map((n) => [n.opType, n.input![0]])).toEqual([['Sub', 'features'], ['Mul', 'sub']]);
    const session = await onnxSession(net.toOnnx());
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['probabilities', 'class']);
  });

  it('a regressor without labels or preprocessing: one "outputs", no label_names, preprocessing "none", no class', () => {
    const net = new Network({ layers: [3, 5, 2], output: 'linear' });
    const model = onnx.ModelProto.decode(net.toOnnx());
    expect(model.graph!.output!.map((v) => [v.name, shapeOf(v).dims])).toEqual([['outputs', ['batch', 2]]]);
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toEqual({ descent_version: version, preprocessing: 'none' });
    expect(model.graph!.node!.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm', 'Identity']);
  });

  it('a sigmoid output trained with mse and no label names is a regressor, as descent predict has it: "outputs" and no class', async () => {
    const net = new Network({ layers: [3, 5, 2], output: 'sigmoid', loss: 'mse' });
    const model = onnx.ModelProto.decode(net.toOnnx());
    expect(model.graph!.output!.map((v) => v.name)).toEqual(['outputs']);
    const x = Float32Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i));
    const { outputs } = await runOnnx(await onnxSession(net.toOnnx()), x, 3);
    expectClose(outputs.data as Float32Array, net.predict(x), 'sigmoid mse', ONNX_TOLERANCE);
    // With label names it classifies (descent predict writes a label column): probabilities and class.
    net.labelNames = ['a', 'b'];
    expect(onnx.ModelProto.decode(net.toOnnx()).graph!.output!.map((v) => v.name)).toEqual(['probabilities', 'class']);
  });

  it('stores the weights bit for bit', () => {
    const net = new Network({ layers: [3, 5, 2], output: 'tanh', seed: 9 });
    const model = onnx.ModelProto.decode(net.toOnnx());
    const stored = model.graph!.initializer!.map((t) => {
      const bytes = t.rawData!;
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    });
    const joined = Float32Array.from(stored.flatMap((values) => Array.from(values)));
    expect(Buffer.from(joined.buffer).equals(Buffer.from(net.params.buffer))).toBe(true);
    expect(model.graph!.initializer!.map((t) => t.dims!.map(Number))).toEqual([[3, 5], [5], [5, 2], [2]]);
  });
});

// Debian's python3-onnx (apt-get install python3-onnx), when the system Python has it.
const onnxChecker = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!onnxChecker)("onnx's own checker (python3-onnx)", () => {
  it('passes check_model(full_check) and strict shape inference, for a classifier, a regressor and a byte input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'descent-onnx-check-'));
    try {
      const classifier = await trainedIris();
      const regressor = new Network({ inputs: 3, plan: [{ kind: 'dense', units: 4 }, { kind: 'activation', activation: 'gelu' }, { kind: 'dropout', rate: 0.5 }, { kind: 'dense', units: 2 }, { kind: 'output', activation: 'tanh' }] });
      const files = [classifier.toOnnx(), regressor.toOnnx(), classifier.toOnnx({ input: 'uint8' })].map((bytes, i) => {
        writeFileSync(join(dir, `${i}.onnx`), bytes);
        return join(dir, `${i}.onnx`);
      });
      const script = [
        'import onnx, sys',
        'for path in sys.argv[1:]:',
        '    model = onnx.load(path)',
        '    onnx.checker.check_model(model, full_check=True)',
        '    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)',
        "    print([(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in model.graph.output])",
      ].join('\n');
      const run = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual([
        "[('probabilities', ['batch', 3]), ('class', ['batch'])]",
        "[('outputs', ['batch', 2])]",
        "[('probabilities', ['batch', 3]), ('class', ['batch'])]",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
