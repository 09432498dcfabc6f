import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxError, loadIdx, loadIdxDirectory, readIdxChunks } from '../src/data/idx.js';
import { FASHION_MNIST_DIR, FASHION_MNIST_LABELS, loadFashionMnist } from '../src/data/fashion-mnist.js';
import { resolveData } from '../src/cli/datasets.js';
import type { Dataset } from '../src/data/dataset.js';

const root = mkdtempSync(join(tmpdir(), 'descent-idx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An IDX file: the magic number, the big-endian dimensions, then the bytes. */
function idx(magic: number, shape: number[], values: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt32BE(magic, 0);
  shape.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(values))]);
}

/** n images of rows x cols whose pixel p of image i is (i * 7 + p) % 256. */
function images(n: number, rows: number, cols: number): Buffer {
  return idx(0x803, [n, rows, cols], Array.from({ length: n * rows * cols }, (_, k) => (Math.floor(k / (rows * cols)) * 7 + (k % (rows * cols))) % 256));
}

const labels = (values: number[]): Buffer => idx(0x801, [values.length], values);

let files = 0;
function write(content: Buffer, name = `file-${files++}`, dir = root): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function failure(run: Promise<unknown>): Promise<IdxError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdxError);
  return error as IdxError;
}

describe('loadIdx', () => {
  it('reads images as bytes (xScale 1/255) and labels as class indices, plain or gzipped', async () => {
    const x = images(4, 3, 2);
    const y = labels([3, 0, 1, 3]);
    for (const [imagesFile, labelsFile] of [
      [write(x), write(y)],
      [write(gzipSync(x)), write(gzipSync(y))],
      [write(gzipSync(x)), write(y)],
    ]) {
      const data = await loadIdx(imagesFile, labelsFile);
      expect(data.n).toBe(4);
      expect(data.features).toBe(6);
      expect(data.x).toBeInstanceOf(Uint8Array);
      expect(data.x.length).toBe(24);
      expect(Array.from(data.x.subarray(6, 12))).toEqual([7, 8, 9, 10, 11, 12]);
      expect(data.xScale).toBe(1 / 255);
      expect(Array.from(data.y)).toEqual([3, 0, 1, 3]);
      expect(data.classes).toBe(4);
    }
  });

  it('has at least 2 classes, and 10 (with an empty y) when there are no labels', async () => {
    expect((await loadIdx(write(images(2, 2, 2)), write(labels([0, 0])))).classes).toBe(2);
    const unlabelled = await loadIdx(write(images(2, 2, 2)));
    expect(unlabelled.classes).toBe(10);
    expect(unlabelled.y.length).toBe(0);
    expect(unlabelled.n).toBe(2);
  });

  it('a wrong magic number, with the value received', async () => {
    const labelsFile = write(labels([1, 2]));
    expect((await failure(loadIdx(labelsFile))).message).toBe(
      `${labelsFile}: wrong magic number: expected 0x00000803 (IDX images: unsigned bytes, 3 dimensions), received 0x00000801`,
    );
    const imagesFile = write(images(2, 2, 2));
    expect((await failure(loadIdx(imagesFile, imagesFile))).message).toBe(
      `${imagesFile}: wrong magic number: expected 0x00000801 (IDX labels: unsigned bytes, 1 dimension), received 0x00000803`,
    );
    const floats = write(idx(0x0d03, [1, 1, 1], [0, 0, 0, 0]));
    expect((await failure(loadIdx(floats))).message).toBe(
      `${floats}: wrong magic number: expected 0x00000803 (IDX images: unsigned bytes, 3 dimensions), received 0x00000d03`,
    );
  });

  it('truncated data and header, trailing data, empty dimensions', async () => {
    const whole = images(3, 2, 2);
    const cut = write(whole.subarray(0, whole.length - 5));
    expect((await failure(loadIdx(cut))).message).toBe(
      `${cut}: truncated: expected 28 bytes (a 16-byte header and 3 x 2 x 2 values), received 23`,
    );
    const cutGz = write(gzipSync(whole.subarray(0, 20)));
    expect((await failure(loadIdx(cutGz))).message).toBe(
      `${cutGz}: truncated: expected 28 bytes (a 16-byte header and 3 x 2 x 2 values), received 20`,
    );
    const header = write(whole.subarray(0, 10));
    expect((await failure(loadIdx(header))).message).toBe(`${header}: truncated: expected a 16-byte header, received 10 bytes`);
    const longer = write(Buffer.concat([whole, Buffer.from([1, 2])]));
    expect((await failure(loadIdx(longer))).message).toBe(
      `${longer}: trailing data: expected 28 bytes (a 16-byte header and 3 x 2 x 2 values), received 30`,
    );
    const empty = write(idx(0x803, [0, 28, 28], []));
    expect((await failure(loadIdx(empty))).message).toBe(`${empty}: the images have dimensions 0 x 28 x 28; expected none of them to be 0`);
  });

  it('a damaged gzip stream', async () => {
    const gz = gzipSync(images(50, 4, 4));
    const path = write(gz.subarray(0, gz.length - 10));
    expect((await failure(loadIdx(path))).message).toMatch(
      new RegExp(`^${escape(path)}: the gzip data is damaged or truncated \\(.+\\)$`),
    );
  });

  it('counts that differ, and a missing file', async () => {
    const imagesFile = write(images(3, 2, 2));
    const labelsFile = write(labels([0, 1]));
    expect((await failure(loadIdx(imagesFile, labelsFile))).message).toBe(
      `${imagesFile} and ${labelsFile}: counts differ: images 3, labels 2`,
    );
    const missing = join(root, 'absent-idx3-ubyte');
    expect((await failure(loadIdx(missing))).message).toBe(`file not found: ${missing}`);
    expect((await failure(loadIdx(imagesFile, missing))).message).toBe(`file not found: ${missing}`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A directory of the four usual files, the train pair gzipped. */
function mnistDirectory(name: string, testLabels = [0, 1]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  write(gzipSync(images(3, 2, 2)), 'train-images-idx3-ubyte.gz', dir);
  write(gzipSync(labels([0, 1, 2])), 'train-labels-idx1-ubyte.gz', dir);
  write(images(2, 2, 2), 't10k-images-idx3-ubyte', dir);
  write(labels(testLabels), 't10k-labels-idx1-ubyte', dir);
  return dir;
}

describe('loadIdx: files that hold more than their header says', () => {
  // 10 images of 28 x 28 declared, then members of a megabyte of zeros each (gzip streams may follow one another).
  const declared = gzipSync(idx(0x803, [10, 28, 28], new Uint8Array(10 * 28 * 28)));
  const megabyte = gzipSync(Buffer.alloc(2 ** 20));

  it('a gzip bomb is refused once it inflates past the declared size, saying so', async () => {
    const bomb = write(Buffer.concat([declared, ...Array.from({ length: 256 }, () => megabyte)]), 'bomb-idx3-ubyte.gz');
    expect((await failure(loadIdx(bomb))).message).toMatch(
      new RegExp(`^${escape(bomb)}: the file holds more data than its header declares: expected 7856 bytes \\(a 16-byte header and 10 x 28 x 28 values\\) once inflated; it inflates to more \\(reading stopped at \\d+ bytes\\)$`),
    );
  });

  it('reading stops there: a gigabyte bomb is read a few members in', async () => {
    let members = 0;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield declared;
      for (; members < 1024; members++) yield megabyte;
    }
    const error = await failure(readIdxChunks('bomb.gz', chunks(), 0x803, 'images'));
    expect(error.message).toMatch(/^bomb.gz: the file holds more data than its header declares/);
    expect(members).toBeLessThan(64);
  });

  it('/dev/zero is refused at its first four bytes', async () => {
    expect((await failure(loadIdx('/dev/zero'))).message).toBe(
      '/dev/zero: wrong magic number: expected 0x00000803 (IDX images: unsigned bytes, 3 dimensions), received 0x00000000',
    );
  });

  it('a header that declares more than a Uint8Array holds, in a small file', async () => {
    const huge = write(idx(0x803, [65536, 65536, 2], [1, 2, 3]));
    expect((await failure(loadIdx(huge))).message).toBe(
      `${huge}: the header declares 65536 x 65536 x 2 = 8589934592 values, more than a Uint8Array holds (4294967296)`,
    );
    const large = write(idx(0x803, [60000, 100, 100], [1, 2, 3]));
    expect((await failure(loadIdx(large))).message).toBe(
      `${large}: truncated: expected 600000016 bytes (a 16-byte header and 60000 x 100 x 100 values), received 19`,
    );
  });
});

describe('loadIdxDirectory', () => {
  it('reads the train and test sets, gzipped or not, with the classes of both', async () => {
    const { train, test } = await loadIdxDirectory(mnistDirectory('mixed'));
    expect([train.n, test.n, train.features, test.features]).toEqual([3, 2, 4, 4]);
    expect(train.classes).toBe(3);
    expect(test.classes).toBe(3);
  });

  it('names the missing file, and a directory that is not there', async () => {
    const dir = mnistDirectory('incomplete');
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    expect((await failure(loadIdxDirectory(dir))).message).toBe(`${dir}: missing t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz)`);
    const absent = join(root, 'absent');
    expect((await failure(loadIdxDirectory(absent))).message).toBe(`directory not found: ${absent}`);
  });
});

describe('resolveData (the CLI --data) for IDX', () => {
  it('idx:DIR comes with its own test set', async () => {
    const dir = mnistDirectory('cli');
    const data = await resolveData(`idx:${dir}`);
    expect([data.name, data.split, data.train.n, data.test?.n]).toEqual([`idx:${dir}`, 'given', 3, 2]);
  });

  it('idx: without a directory, and one that is not there', async () => {
    await expect(resolveData('idx:')).rejects.toThrow('--data idx: needs a directory, as in idx:./mnist, received "idx:"');
    const absent = join(root, 'nowhere');
    await expect(resolveData(`idx:${absent}`)).rejects.toThrow(`directory not found: ${absent}`);
  });
});

describe('loadFashionMnist', () => {
  it('says how to install the dataset when its directory is absent', async () => {
    await expect(loadFashionMnist(join(root, 'no-fashion'))).rejects.toThrow('apt-get install dataset-fashion-mnist');
  });
});

describe.runIf(existsSync(FASHION_MNIST_DIR))("Fashion-MNIST (Debian's dataset-fashion-mnist)", () => {
  let train: Dataset;
  let test: Dataset;
  beforeAll(async () => {
    ({ train, test } = await loadFashionMnist());
  });

  it('is the official 60,000 / 10,000 split of 784 byte pixels and 10 named classes', () => {
    expect(train.n).toBe(60_000);
    expect(test.n).toBe(10_000);
    for (const data of [train, test]) {
      expect(data.features).toBe(784);
      expect(data.classes).toBe(10);
      expect(data.x).toBeInstanceOf(Uint8Array);
      expect(data.x.length).toBe(data.n * 784);
      expect(data.xScale).toBe(1 / 255);
      expect(data.labelNames).toEqual([...FASHION_MNIST_LABELS]);
    }
    expect(train.labelNames![0]).toBe('T-shirt/top');
    // The first training image is an ankle boot.
    expect(train.y[0]).toBe(9);
    expect(Math.max(...train.x.subarray(0, 784))).toBe(255);
    const counts = new Array(10).fill(0);
    for (const label of test.y) counts[label]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('is what --data fashion-mnist gives, with its own test set', async () => {
    const data = await resolveData('fashion-mnist');
    expect([data.name, data.split, data.train.n, data.test?.n]).toEqual(['fashion-mnist', 'given', 60_000, 10_000]);
  });
});
