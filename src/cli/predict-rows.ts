/**
 * predict's input, a chunk of rows at a time: a CSV file streamed by
 * readCsvRows, or IDX images, told apart by their first bytes (inflated
 * first when the file is gzipped): a CSV file never starts with a NUL
 * byte, an IDX file always does.
 */
import { open } from 'node:fs/promises';
import { constants, gunzipSync } from 'node:zlib';
import { readCsvRows, CSV_CHUNK_ROWS } from '../data/csv-rows.js';
import type { CsvColumn } from '../data/csv.js';
import { loadIdx } from '../data/idx.js';

export interface RowChunk {
  x: Float32Array | Uint8Array;
  count: number;
}

export interface InputOptions {
  features: number;
  /** What the feature count is, for messages. */
  featuresOf: string;
  label?: CsvColumn[];
  delimiter?: string;
}

export type InputKind = 'csv' | 'idx';

/** Enough of a gzip stream to inflate its first bytes (and at most about a MB of them). */
const HEAD_BYTES = 1024;

export async function inputKind(path: string): Promise<InputKind> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return 'csv'; // the CSV reader names what is wrong with the path
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
    let head: Buffer = buffer.subarray(0, bytesRead);
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) head = inflatedHead(head);
    return head.length > 0 && head[0] === 0 ? 'idx' : 'csv';
  } catch {
    return 'csv';
  } finally {
    await handle.close();
  }
}

/** The first bytes a gzip stream inflates to (none when they are damaged: the reader will say so). */
function inflatedHead(head: Buffer): Buffer {
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

export async function* inputRows(path: string, kind: InputKind, options: InputOptions): AsyncGenerator<RowChunk> {
  if (kind === 'csv') {
    yield* readCsvRows(path, { features: options.features, featuresOf: options.featuresOf, label: options.label, delimiter: options.delimiter });
    return;
  }
  const images = await loadIdx(path);
  if (images.features !== options.features) {
    throw new Error(`${path}: its images have ${images.features} pixels each, expected ${options.features} (${options.featuresOf})`);
  }
  const x = images.x as Uint8Array;
  for (let start = 0; start < images.n; start += CSV_CHUNK_ROWS) {
    const count = Math.min(CSV_CHUNK_ROWS, images.n - start);
    yield { x: x.subarray(start * images.features, (start + count) * images.features), count };
  }
}
