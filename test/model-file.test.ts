import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from '../src/backend/native.js';
import type { BackendName } from '../src/backend/types.js';
import type { Dataset } from '../src/data/dataset.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { ModelFileError } from '../src/io/model-error.js';
import { decodeModel, encodeModel } from '../src/io/model-file.js';
import { Network, type NetworkOptions } from '../src/network.js';
import { Rng } from '../src/rng.js';
import { float32FromBytes } from '../src/io/float32-le.js';

const BACKENDS: BackendName[] = nativeAvailable() ? ['js', 'native'] : ['js'];
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'descent-model-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** n rows of features on different scales, labelled by which of `classes` blobs they come from. */
function blobs(n: number, features: number, classes: number, seed: number, labelNames: string[]): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = r % classes;
    for (let j = 0; j < features; j++) x[r * features + j] = (y[r] + rng.normal() * 0.5) * 10 ** (j % 3) + j;
  }
  return { x, y, n, features, classes, labelNames };
}

const bits = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

const PLANS: { name: string; options: NetworkOptions; data: Dataset; preprocess: 'standardize' | 'minmax' }[] = [
  {
    name: 'gelu + dropout, softmax',
    options: {
      inputs: 5,
      plan: [
        { kind: 'dense', units: 9 },
        { kind: 'activation', activation: 'gelu' },
        { kind: 'dropout', rate: 0.2 },
        { kind: 'dense', units: 3 },
        { kind: 'output', activation: 'softmax' },
      ],
      seed: 3,
    },
    data: blobs(90, 5, 3, 1, ['cat', 'dog', 'émeu']),
    preprocess: 'standardize',
  },
  {
    name: 'tanh, one sigmoid output',
    options: { layers: [4, 6, 1], activation: 'tanh', output: 'sigmoid', seed: 5 },
    data: blobs(60, 4, 2, 2, ['no', 'yes']),
    preprocess: 'minmax',
  },
];

async function trained(plan: (typeof PLANS)[number], backend: BackendName): Promise<Network> {
  const net = new Network({ ...plan.options, backend });
  await net.fit(plan.data, { epochs: 3, batchSize: 16, optimizer: 'adam', preprocess: plan.preprocess });
  return net;
}

function expectSameNetwork(loaded: Network, net: Network, data: Dataset): void {
  expect(loaded.plan).toEqual(net.plan);
  expect(loaded.seed).toBe(net.seed);
  expect(bits(loaded.params).equals(bits(net.params))).toBe(true);
  expect(loaded.preprocessing).toEqual(net.preprocessing);
  expect(loaded.labelNames).toEqual(net.labelNames);
  expect(loaded.optimizerState!.optimizer).toBe(net.optimizerState!.optimizer);
  expect(loaded.optimizerState!.step).toBe(net.optimizerState!.step);
  expect(bits(loaded.optimizerState!.moments).equals(bits(net.optimizerState!.moments))).toBe(true);
  expect(bits(loaded.predict(data.x)).equals(bits(net.predict(data.x)))).toBe(true);
}

describe.each(BACKENDS)('round trip on the %s backend', (backend) => {
  for (const plan of PLANS) {
    it(`save / load: ${plan.name}`, async () => {
      const net = await trained(plan, backend);
      const path = join(dir, `${backend}-${plan.options.seed}.dsc`);
      await net.save(path, { training: { epochs: 3, optimizer: 'adam' } });
      const loaded = await Network.load(path, { backend });
      expect(loaded.backend.name).toBe(backend);
      expectSameNetwork(loaded, net, plan.data);

      // The optimizer state came back: two more epochs on each give the same bits.
      const more = { epochs: 2, batchSize: 16, optimizer: 'adam' } as const;
      await net.fit(plan.data, more);
      await loaded.fit(plan.data, more);
      expect(bits(loaded.params).equals(bits(net.params))).toBe(true);
    });

    it(`toJSON / fromJSON: ${plan.name}`, async () => {
      const net = await trained(plan, backend);
      const text = JSON.stringify(net);
      const json = JSON.parse(text);
      expect(json).toMatchObject({ format: 'descent-model', version: 1, descent: pkg.version, seed: net.seed, training: null });
      expect(typeof json.params).toBe('string');
      expectSameNetwork(Network.fromJSON(json, { backend }), net, plan.data);
      expectSameNetwork(Network.fromJSON(text, { backend }), net, plan.data);
    });
  }
});

describe('the file', () => {
  it('holds the documented header and sections', async () => {
    const net = await trained(PLANS[1], 'js');
    const file = encodeModel({ plan: net.plan, seed: net.seed, params: net.params, preprocessing: net.preprocessing, labelNames: net.labelNames, training: { note: 'x' } });
    expect(file.subarray(0, 8).toString('latin1')).toBe('DESCENT\0');
    expect(file.readUInt32LE(8)).toBe(1);
    expect(Number(file.readBigUInt64LE(16))).toBe(file.length);
    const headerLength = file.readUInt32LE(12);
    expect((24 + headerLength) % 4).toBe(0);
    const header = JSON.parse(file.subarray(24, 24 + headerLength).toString('utf8'));
    expect(header).toEqual({
      format: 'descent-model',
      version: 1,
      descent: pkg.version,
      plan: net.plan,
      seed: 5,
      preprocessing: net.preprocessing,
      labelNames: ['no', 'yes'],
      training: { note: 'x' },
      sections: [{ name: 'params', count: net.plan.size, offset: 0 }],
    });
    expect(file.length).toBe(24 + headerLength + net.plan.size * 4 + 32);
    const params = file.subarray(24 + headerLength, 24 + headerLength + net.plan.size * 4);
    expect(params.equals(bits(net.params))).toBe(true);
    expect(createHash('sha256').update(file.subarray(0, file.length - 32)).digest().equals(file.subarray(file.length - 32))).toBe(true);
    const decoded = decodeModel(file, 'm.dsc');
    expect(decoded.optimizer).toBeUndefined();
    expect(decoded.training).toEqual({ note: 'x' });
  });

  it('keeps a checkpoint object and leaves the moments out when asked', async () => {
    const net = await trained(PLANS[1], 'js');
    const path = join(dir, 'checkpoint.dsc');
    await net.save(path, { optimizer: false, checkpoint: { epoch: 3, rng: [1, 2, 3, 4] } });
    const decoded = decodeModel(await readFile(path), path);
    expect(decoded.checkpoint).toEqual({ epoch: 3, rng: [1, 2, 3, 4] });
    expect(decoded.optimizer).toBeUndefined();
    expect((await Network.load(path)).optimizerState).toBeNull();
  });

  it('keeps plain SGD\'s step with an empty moments section', async () => {
    const net = new Network({ layers: [3, 2], backend: 'js' });
    await net.fit(blobs(12, 3, 2, 6, ['a', 'b']), { epochs: 2, batchSize: 4, optimizer: 'sgd' });
    const loaded = Network.fromJSON(JSON.parse(JSON.stringify(net)));
    expect(loaded.optimizerState).toEqual({ optimizer: 'sgd', step: 6, moments: new Float32Array(0) });
    const decoded = decodeModel(encodeModel({ ...decodeModel(await saved(net), 'm.dsc') }), 'm.dsc');
    expect(decoded.optimizer).toEqual({ name: 'sgd', step: 6, moments: new Float32Array(0) });
  });
});

async function saved(net: Network): Promise<Buffer> {
  const path = join(dir, 'saved.dsc');
  await net.save(path);
  return readFile(path);
}

/** A small model's file, with Adam's moments (two sections). */
async function smallFile(): Promise<Buffer> {
  const net = new Network({ layers: [2, 3, 2], backend: 'js' });
  await net.fit(blobs(8, 2, 2, 4, ['a', 'b']), { epochs: 1, batchSize: 4 });
  return encodeModel({
    plan: net.plan,
    seed: net.seed,
    params: net.params,
    preprocessing: null,
    labelNames: net.labelNames,
    training: null,
    optimizer: { name: 'adam', step: net.optimizerState!.step, moments: net.optimizerState!.moments },
  });
}

/** The ModelFileError message decodeModel throws (failing the test on anything else). */
function failure(bytes: Uint8Array, name = 'm.dsc'): string {
  try {
    decodeModel(bytes, name);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('decodeModel accepted the bytes');
}

describe('damaged files are refused with a message naming the file', () => {
  it('truncated at every length', async () => {
    const file = await smallFile();
    expect(decodeModel(file, 'm.dsc').plan.size).toBe(17);
    expect(failure(file.subarray(0, 0))).toBe('m.dsc is not a descent model file (it is empty)');
    for (let length = 1; length < file.length; length++) {
      const message = failure(file.subarray(0, length));
      const expected = length < 24 ? 'at least 56' : String(file.length);
      expect(message).toBe(`m.dsc is truncated: expected ${expected} bytes, it has ${length}`);
    }
  });

  it('a changed byte anywhere', async () => {
    const file = await smallFile();
    for (let i = 0; i < file.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const copy = Buffer.from(file);
        copy[i] ^= mask;
        const message = failure(copy);
        if (i < 8) expect(message).toMatch(/^m\.dsc is not a descent model file \(it starts with /);
        else if (i < 12) expect(message).toMatch(/^m\.dsc (is a descent model of format version \d+; this descent reads up to 1: upgrade descent|is corrupted: it names format version 0)/);
        else expect(message).toBe('m.dsc is corrupted: its checksum does not match (a changed byte)');
      }
    }
  });

  it('bytes after its end', async () => {
    const file = await smallFile();
    expect(failure(Buffer.concat([file, Buffer.from('\n')]))).toBe(`m.dsc is corrupted: its preamble says ${file.length} bytes, it has ${file.length + 1}`);
  });

  it('a future format version', async () => {
    const file = await smallFile();
    file.writeUInt32LE(2, 8);
    expect(failure(file)).toBe('m.dsc is a descent model of format version 2; this descent reads up to 1: upgrade descent');
    const json = { ...new Network({ layers: [2, 2], backend: 'js' }).toJSON(), version: 7 };
    expect(() => Network.fromJSON(json)).toThrow('the model JSON is a descent model of format version 7; this descent reads up to 1: upgrade descent');
  });

  it('files that are not model files: a CSV, a PNG, an empty file, a missing one', async () => {
    const csv = join(dir, 'data.csv');
    const png = join(dir, 'image.png');
    const empty = join(dir, 'empty.dsc');
    await writeFile(csv, 'a,b,label\n1,2,x\n');
    await writeFile(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    await writeFile(empty, '');
    await expect(Network.load(csv)).rejects.toThrow(`${csv} is not a descent model file (it starts with "a,b,labe")`);
    await expect(Network.load(png)).rejects.toThrow(`${png} is not a descent model file (it starts with 89 50 4e 47 0d 0a 1a 0a)`);
    await expect(Network.load(empty)).rejects.toThrow(`${empty} is not a descent model file (it is empty)`);
    const missing = join(dir, 'missing.dsc');
    await expect(Network.load(missing)).rejects.toThrow(new ModelFileError(`file not found: ${missing}`));
    await expect(Network.load(dir)).rejects.toThrow(new RegExp(`^cannot read ${dir}: EISDIR`));
  });
});

/** A file with the given header text and data, its lengths and checksum made right: what a buggy writer could produce. */
function forge(header: string, data: Buffer): Buffer {
  let text = Buffer.from(header, 'utf8');
  text = Buffer.concat([text, Buffer.alloc((4 - ((24 + text.length) % 4)) % 4, 0x20)]);
  const body = Buffer.concat([Buffer.from('DESCENT\0', 'latin1'), Buffer.alloc(16), text, data]);
  body.writeUInt32LE(1, 8);
  body.writeUInt32LE(text.length, 12);
  body.writeBigUInt64LE(BigInt(body.length + 32), 16);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

describe('a well-formed file with a bad header', () => {
  const net = new Network({ layers: [3, 2], backend: 'js' });
  const good = net.toJSON();
  const params = Buffer.from(good.params, 'base64');
  const header = (changes: Record<string, unknown>, drop?: string) => {
    const h: Record<string, unknown> = { ...good, sections: [{ name: 'params', count: 8, offset: 0 }], ...changes };
    delete h.params;
    if (drop) delete h[drop];
    return JSON.stringify(h);
  };
  const cases: [string, Buffer, string][] = [
    ['not JSON', forge('{"format": "descent-model",', params), 'm.dsc has a header that is not valid JSON ('],
    ['a missing field', forge(header({}, 'seed'), params), 'm.dsc has a bad header: it lacks "seed"'],
    ['another format', forge(header({ format: 'keras' }), params), 'm.dsc has a bad header: format must be "descent-model", received "keras"'],
    ['a bad seed', forge(header({ seed: -1 }), params), 'm.dsc has a bad header: seed must be a non-negative integer, received -1'],
    ['an unknown optimizer', forge(header({ optimizer: { name: 'lion', step: 1 } }), params), 'm.dsc has a bad header: optimizer.name must be one of'],
    ['too few params', forge(header({ sections: [{ name: 'params', count: 7, offset: 0 }] }), params.subarray(0, 28)), 'm.dsc has 7 params, but its plan needs 8 (plan.size)'],
    ['a gap between sections', forge(header({ sections: [{ name: 'params', count: 8, offset: 4 }] }), params), 'm.dsc has a bad header: sections[0].offset must be 0'],
    [
      'moments that do not fit',
      forge(header({ optimizer: { name: 'adam', step: 2 }, sections: [{ name: 'params', count: 8, offset: 0 }, { name: 'moments', count: 8, offset: 32 }] }), Buffer.concat([params, params])),
      'm.dsc has 8 moments, but optimizer "adam" keeps 2 per parameter: 16 for its plan',
    ],
    ['moments without an optimizer', forge(header({ sections: [{ name: 'params', count: 8, offset: 0 }, { name: 'moments', count: 8, offset: 32 }] }), Buffer.concat([params, params])), 'm.dsc has a bad header: it holds moments but names no optimizer'],
    [
      'a plan that does not resolve',
      forge(header({ plan: { ...good.plan, layers: [{ kind: 'dense', units: 2, inputs: 4 }, good.plan.layers[1]] } }), params),
      'm.dsc has an invalid plan: plan.layers[0].inputs must be 3 here, received 4',
    ],
    ['a stored size its layers do not give', forge(header({ plan: { ...good.plan, size: 9 }, sections: [{ name: 'params', count: 9, offset: 0 }] }), Buffer.concat([params, Buffer.alloc(4)])), 'm.dsc has an invalid plan: plan.size is 9, but its layers give 8'],
    ['a preprocessing of the wrong width', forge(header({ preprocessing: { kind: 'minmax', shift: [0], scale: [1] } }), params), 'm.dsc has an invalid preprocessing: preprocessing.shift must be 3 finite numbers'],
    // Finite as doubles, Infinity in float32: every prediction was NaN.
    [
      'a shift beyond float32',
      forge(header({ preprocessing: { kind: 'standardize', shift: [0, 1e39, 0], scale: [1, 1, 1] } }), params),
      'm.dsc has an invalid preprocessing: preprocessing.shift[1] is 1e+39, beyond float32 (at most 3.4028234663852886e+38 in magnitude): applied in float32 it would make every prediction NaN',
    ],
    [
      'a scale beyond float32',
      forge(header({ preprocessing: { kind: 'minmax', shift: [0, 0, 0], scale: [1, 1, -3.5e38] } }), params),
      'm.dsc has an invalid preprocessing: preprocessing.scale[2] is -3.5e+38, beyond float32',
    ],
  ];
  it.each(cases)('%s', (_name, file, message) => {
    expect(failure(file)).toContain(message);
    expect(failure(file).startsWith(message.slice(0, 6))).toBe(true);
  });

  it('the same checks on toJSON objects', () => {
    expect(() => Network.fromJSON({ ...good, params: 'AAAAAA==' })).toThrow('the model JSON has 1 params, but its plan needs 8 (plan.size)');
    expect(() => Network.fromJSON({ ...good, params: 'not base64!' })).toThrow('the model JSON has a bad params: it is not base64 text');
    expect(() => Network.fromJSON({ ...good, labelNames: [1, 2] })).toThrow('the model JSON has a bad header: labelNames must be null or an array of strings');
    expect(() => Network.fromJSON({ ...good, preprocessing: { kind: 'minmax', shift: [1e39, 0, 0], scale: [1, 1, 1] } })).toThrow(
      'the model JSON has an invalid preprocessing: preprocessing.shift[0] is 1e+39, beyond float32',
    );
    expect(() => Network.fromJSON('{')).toThrow(/^the model JSON is not valid JSON/);
    expect(() => Network.fromJSON(good, { backend: 'gpu' } as never)).toThrow('backend must be one of');
  });
});

describe('float32FromBytes', () => {
  it('reads exactly count x 4 bytes and refuses any other length (it zero-filled a short source)', () => {
    const bytes = new Uint8Array(Float32Array.of(1.5, -2).buffer);
    expect(Array.from(float32FromBytes(bytes, 2))).toEqual([1.5, -2]);
    expect(() => float32FromBytes(bytes.subarray(0, 4), 2)).toThrow('expected 8 bytes (2 float32 values), received 4');
    expect(() => float32FromBytes(bytes, 1)).toThrow('expected 4 bytes (1 float32 values), received 8');
  });
});

describe('writeFileAtomic', () => {
  it('a write that fails midway leaves the old file whole and no temp file', async () => {
    const sub = join(dir, 'atomic');
    await mkdir(sub);
    const path = join(sub, 'model.dsc');
    await writeFile(path, 'the old model');
    await chmod(path, 0o640);
    const failing = async (handle: import('node:fs/promises').FileHandle, bytes: Uint8Array) => {
      await handle.write(bytes, 0, bytes.length >> 1);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const error = await writeFileAtomic(path, Buffer.alloc(1 << 16, 7), { write: failing }).catch((e: unknown) => e as NodeJS.ErrnoException);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`cannot write ${path}: ENOSPC: no space left on device, write`);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(await readFile(path, 'utf8')).toBe('the old model');
    expect(await readdir(sub)).toEqual(['model.dsc']);

    await writeFileAtomic(path, Buffer.from('the new model'));
    expect(await readFile(path, 'utf8')).toBe('the new model');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(sub)).toEqual(['model.dsc']);
  });

  it('a directory is refused, and no temp file is made', async () => {
    const sub = join(dir, 'rename');
    await mkdir(join(sub, 'model.dsc'), { recursive: true });
    await expect(writeFileAtomic(join(sub, 'model.dsc'), Buffer.from('x'))).rejects.toThrow(/^cannot write .*model\.dsc: it is a directory; /);
    expect(await readdir(sub)).toEqual(['model.dsc']);
  });

  it('a missing directory is named', async () => {
    const path = join(dir, 'nowhere', 'model.dsc');
    await expect(writeFileAtomic(path, Buffer.from('x'))).rejects.toThrow(`cannot write ${path}: the directory ${join(dir, 'nowhere')} does not exist`);
  });

  it('concurrent saves to one path leave one whole file', async () => {
    const sub = join(dir, 'concurrent');
    await mkdir(sub);
    const path = join(sub, 'model.dsc');
    const nets = Array.from({ length: 8 }, (_, seed) => new Network({ layers: [20, 30, 4], seed, backend: 'js' }));
    await Promise.all(nets.map((net) => net.save(path)));
    const loaded = await Network.load(path, { backend: 'js' });
    expect(nets.some((net) => bits(net.params).equals(bits(loaded.params)))).toBe(true);
    expect(await readdir(sub)).toEqual(['model.dsc']);
  });

  it('refuses label names that do not fit the outputs, and weights that are not finite', () => {
    const net = new Network({ layers: [3, 4, 3], backend: 'js' });
    const json = JSON.parse(JSON.stringify(net));
    expect(() => Network.fromJSON({ ...json, labelNames: ['a'] })).toThrow(/invalid label names: labelNames must be 3 distinct names .*received 1/);
    expect(() => Network.fromJSON({ ...json, labelNames: ['a', 'b', 'a'] })).toThrow(/received 3 with repeats/);
    const params = new Float32Array(Uint8Array.from(Buffer.from(json.params, 'base64')).buffer);
    params[5] = NaN;
    expect(() => Network.fromJSON({ ...json, params: Buffer.from(params.buffer).toString('base64') })).toThrow(
      /invalid parameters: params\[5\] is NaN: a model's weights must be finite numbers/,
    );
  });
});
