/**
 * IDX files (the MNIST format), gzipped or not: images of unsigned bytes
 * kept as bytes, labels as class indices; and directories that hold a
 * train and a test set under the usual file names. A file is streamed
 * (inflated as it is read): its header comes first and says how many bytes
 * follow, so a file that holds more stops being read there, and a gzip
 * bomb costs no more memory than its header declares.
 */
import { existsSync, createReadStream } from 'node:fs';
import { constants } from 'node:buffer';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BYTE_SCALE, type Dataset } from './dataset.js';
import { gunzipped, type Compression } from './gunzip.js';

/** An IDX file or directory that cannot be read as a dataset; the message names it. */
export class IdxError extends Error {
  override readonly name = 'IdxError';

  constructor(
    message: string,
    /** The file or directory at fault. */
    readonly file: string,
  ) {
    super(message);
  }
}

/** Magic numbers: two zero bytes, the element type (0x08, unsigned byte), the dimension count. */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
/** Without labels (prediction), a dataset still says how many classes its model has. */
const DEFAULT_CLASSES = 10;

/** The values buffer starts at this size (or the count, if smaller) and doubles as data arrive, so a header cannot claim memory the file does not fill. */
const INITIAL_VALUES = 1 << 20;

/**
 * Loads IDX images (n x rows x cols unsigned bytes) and, when given, their
 * labels. x stays bytes (xScale 1/255); classes is the largest label + 1
 * (at least 2), or 10 when there are no labels, in which case y is empty.
 */
export async function loadIdx(imagesPath: string, labelsPath?: string): Promise<Dataset> {
  const [images, labels] = await Promise.all([
    readIdx(imagesPath, IMAGES_MAGIC, 'images'),
    labelsPath === undefined ? null : readIdx(labelsPath, LABELS_MAGIC, 'labels'),
  ]);
  const [n, rows, cols] = images.shape;
  const data: Dataset = { x: images.values, xScale: DEFAULT_BYTE_SCALE, y: new Uint8Array(0), n, features: rows * cols };
  if (labels === null) return { ...data, classes: DEFAULT_CLASSES };
  if (labels.shape[0] !== n) {
    throw new IdxError(
      `${imagesPath} and ${labelsPath}: counts differ: images ${n}, labels ${labels.shape[0]}`,
      labelsPath!,
    );
  }
  let largest = 0;
  for (const label of labels.values) if (label > largest) largest = label;
  return { ...data, y: labels.values, classes: Math.max(2, largest + 1) };
}

export interface IdxArray {
  shape: number[];
  values: Uint8Array;
}

async function readIdx(path: string, magic: number, kind: 'images' | 'labels'): Promise<IdxArray> {
  return readIdxChunks(path, createReadStream(path), magic, kind);
}

/** Reads an IDX array from the chunks of its file (a file stream, or the tests' generated ones). */
export async function readIdxChunks(path: string, chunks: AsyncIterable<Uint8Array>, magic: number, kind: 'images' | 'labels'): Promise<IdxArray> {
  const reader = new IdxReader(path, magic, kind);
  const compression: Compression = {};
  try {
    for await (const chunk of gunzipped(chunks, compression)) {
      if (!reader.add(chunk)) return await reader.tooLong(compression.gzip === true);
    }
  } catch (error) {
    throw asIdxError(path, error);
  }
  return reader.finish();
}

/** A file's bytes taken in as they come: the header checked as soon as it is whole, then the values. */
class IdxReader {
  private readonly dims: number;
  private readonly headerBytes: number;
  private readonly header: Uint8Array;
  private received = 0;
  private shape: number[] | null = null;
  private count = 0;
  private values = new Uint8Array(0);
  private filled = 0;
  /** Bytes past the declared ones, in the chunk that brought them. */
  private past = 0;

  constructor(
    private readonly path: string,
    private readonly magic: number,
    private readonly kind: 'images' | 'labels',
  ) {
    this.dims = magic & 0xff;
    this.headerBytes = 4 + 4 * this.dims;
    this.header = new Uint8Array(this.headerBytes);
  }

  /** Takes a chunk; false when it brings more bytes than the header declares. */
  add(chunk: Uint8Array): boolean {
    let offset = 0;
    if (this.received < this.headerBytes) {
      offset = Math.min(chunk.length, this.headerBytes - this.received);
      this.header.set(chunk.subarray(0, offset), this.received);
      const before = this.received;
      this.received += offset;
      if (before < 4 && this.received >= 4) this.checkMagic();
      if (this.received === this.headerBytes) this.readShape();
    }
    const rest = chunk.length - offset;
    if (rest === 0) return true;
    if (this.filled + rest > this.count) {
      this.past = this.filled + rest - this.count;
      return false;
    }
    if (this.filled + rest > this.values.length) this.grow(this.filled + rest);
    this.values.set(chunk.subarray(offset), this.filled);
    this.filled += rest;
    this.received += rest;
    return true;
  }

  finish(): IdxArray {
    if (this.shape === null) throw this.truncatedHeader();
    if (this.filled < this.count) {
      throw new IdxError(`${this.path}: truncated: expected ${this.expected()}, received ${this.headerBytes + this.filled}`, this.path);
    }
    return { shape: this.shape, values: this.values };
  }

  /** The error for bytes past the declared ones: a gzip stream stops inflating there. */
  async tooLong(gzip: boolean): Promise<never> {
    if (gzip) {
      throw new IdxError(
        `${this.path}: the file holds more data than its header declares: expected ${this.expected()} once inflated; it inflates to more (reading stopped at ${this.headerBytes + this.filled + this.past} bytes)`,
        this.path,
      );
    }
    const file = await stat(this.path).catch(() => null);
    const size = file?.isFile() ? String(file.size) : `more (reading stopped at ${this.headerBytes + this.filled + this.past})`;
    throw new IdxError(`${this.path}: trailing data: expected ${this.expected()}, received ${size}`, this.path);
  }

  private checkMagic(): void {
    const found = new DataView(this.header.buffer).getUint32(0);
    if (found === this.magic) return;
    const { dims, kind } = this;
    throw new IdxError(
      `${this.path}: wrong magic number: expected ${hex(this.magic)} (IDX ${kind}: unsigned bytes, ${dims} dimension${dims === 1 ? '' : 's'}), received ${hex(found)}`,
      this.path,
    );
  }

  private readShape(): void {
    const view = new DataView(this.header.buffer);
    const shape = Array.from({ length: this.dims }, (_, i) => view.getUint32(4 + 4 * i));
    if (shape.some((size) => size === 0)) {
      throw new IdxError(`${this.path}: the ${this.kind} have dimensions ${shape.join(' x ')}; expected none of them to be 0`, this.path);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > constants.MAX_LENGTH) {
      throw new IdxError(
        `${this.path}: the header declares ${shape.join(' x ')} = ${count} values, more than a Uint8Array holds (${constants.MAX_LENGTH})`,
        this.path,
      );
    }
    this.shape = shape;
    this.count = count;
    this.values = new Uint8Array(Math.min(count, INITIAL_VALUES));
  }

  private grow(needed: number): void {
    let length = this.values.length;
    while (length < needed) length = Math.min(this.count, length * 2);
    const grown = new Uint8Array(length);
    grown.set(this.values.subarray(0, this.filled));
    this.values = grown;
  }

  private expected(): string {
    return `${this.headerBytes + this.count} bytes (a ${this.headerBytes}-byte header and ${this.shape!.join(' x ')} values)`;
  }

  private truncatedHeader(): IdxError {
    return new IdxError(`${this.path}: truncated: expected a ${this.headerBytes}-byte header, received ${this.received} bytes`, this.path);
  }
}

/** The file system's and gunzip's errors as IdxErrors naming the file (others pass through). */
function asIdxError(path: string, error: unknown): unknown {
  if (error instanceof IdxError) return error;
  const { code, message } = error as { code?: unknown; message?: string };
  if (code === 'ENOENT') return new IdxError(`file not found: ${path}`, path);
  if (code === 'EISDIR') return new IdxError(`${path} is a directory, expected an IDX file`, path);
  if (typeof code === 'string' && code.startsWith('Z_')) return new IdxError(`${path}: the gzip data is damaged or truncated (${message})`, path);
  return error;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** The file names MNIST and its kin ship under, each also found with a .gz suffix. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The train and test sets of an MNIST-format directory (see IDX_FILES). */
export async function loadIdxDirectory(dir: string): Promise<{ train: Dataset; test: Dataset }> {
  const info = await stat(dir).catch(() => null);
  if (info === null) throw new IdxError(`directory not found: ${dir}`, dir);
  if (!info.isDirectory()) {
    throw new IdxError(`${dir} is not a directory; expected one holding ${IDX_FILES.trainImages}[.gz] and its kin`, dir);
  }
  const path = (name: string): string => {
    for (const candidate of [name, `${name}.gz`]) if (existsSync(join(dir, candidate))) return join(dir, candidate);
    throw new IdxError(`${dir}: missing ${name} (or ${name}.gz)`, join(dir, name));
  };
  const files = {
    trainImages: path(IDX_FILES.trainImages),
    trainLabels: path(IDX_FILES.trainLabels),
    testImages: path(IDX_FILES.testImages),
    testLabels: path(IDX_FILES.testLabels),
  };
  const [train, test] = await Promise.all([
    loadIdx(files.trainImages, files.trainLabels),
    loadIdx(files.testImages, files.testLabels),
  ]);
  if (train.features !== test.features) {
    throw new IdxError(
      `${dir}: the train images have ${train.features} pixels each and the test images ${test.features}; expected the same`,
      dir,
    );
  }
  // A test set that happens to lack the last class still has the train set's classes.
  train.classes = test.classes = Math.max(train.classes!, test.classes!);
  return { train, test };
}
