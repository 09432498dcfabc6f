/**
 * predict's input, a chunk of rows at a time: a CSV file streamed by
 * readCsvRows, or IDX images (told apart by their first bytes: a CSV file
 * never starts with a NUL byte, IDX files do, gzipped ones start 1f 8b).
 */
import { open } from 'node:fs/promises';
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

export async function inputKind(path: string): Promise<InputKind> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return 'csv'; // the CSV reader names what is wrong with the path
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead > 0 && (buffer[0] === 0 || (bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b)) ? 'idx' : 'csv';
  } catch {
    return 'csv';
  } finally {
    await handle.close();
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
