/**
 * IDX files (the MNIST format), gzipped or not: images of unsigned bytes
 * kept as bytes, labels as class indices; and directories that hold a
 * train and a test set under the usual file names.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DEFAULT_BYTE_SCALE, type Dataset } from './dataset.js';

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

const gunzipAsync = promisify(gunzip);

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

interface IdxArray {
  shape: number[];
  values: Uint8Array;
}

async function readIdx(path: string, magic: number, kind: 'images' | 'labels'): Promise<IdxArray> {
  const bytes = await decompressed(path, await readIdxFile(path));
  const dims = magic & 0xff;
  const headerBytes = 4 + 4 * dims;
  const truncatedHeader = () =>
    new IdxError(`${path}: truncated: expected a ${headerBytes}-byte header, received ${bytes.length} bytes`, path);
  if (bytes.length < 4) throw truncatedHeader();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) {
    throw new IdxError(
      `${path}: wrong magic number: expected ${hex(magic)} (IDX ${kind}: unsigned bytes, ${dims} dimension${dims === 1 ? '' : 's'}), received ${hex(found)}`,
      path,
    );
  }
  if (bytes.length < headerBytes) throw truncatedHeader();
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  if (shape.some((size) => size === 0)) {
    throw new IdxError(`${path}: the ${kind} have dimensions ${shape.join(' x ')}; expected none of them to be 0`, path);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count;
  if (bytes.length !== expected) {
    const problem = bytes.length < expected ? 'truncated' : 'trailing data';
    throw new IdxError(
      `${path}: ${problem}: expected ${expected} bytes (a ${headerBytes}-byte header and ${shape.join(' x ')} values), received ${bytes.length}`,
      path,
    );
  }
  return { shape, values: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count) };
}

async function readIdxFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new IdxError(`file not found: ${path}`, path);
    if (code === 'EISDIR') throw new IdxError(`${path} is a directory, expected an IDX file`, path);
    throw error;
  }
}

/** The bytes themselves, or their gunzipped content when they start with the gzip magic 1f 8b. */
async function decompressed(path: string, bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (error) {
    throw new IdxError(`${path}: the gzip data is damaged or truncated (${(error as Error).message})`, path);
  }
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
