import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Dataset } from './dataset.js';

/** The shipped copy of the UCI 8x8 digits (CC BY 4.0; see NOTICE). */
export const DIGITS_PATH = fileURLToPath(new URL('../../data/digits.csv.gz', import.meta.url));

const PIXELS = 64;
const MAX_PIXEL = 16;

/**
 * The 8x8 handwritten digits: 1,797 images of 64 pixels scaled from
 * 0..16 to [0, 1], labels 0-9.
 */
export function loadDigits(): Dataset {
  const text = gunzipSync(readFileSync(DIGITS_PATH)).toString('utf8');
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const n = lines.length;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  lines.forEach((line, row) => {
    const cells = line.split(',');
    if (cells.length !== PIXELS + 1) {
      throw new Error(`${DIGITS_PATH}: row ${row + 1} has ${cells.length} columns, expected ${PIXELS + 1}`);
    }
    for (let j = 0; j < PIXELS; j++) x[row * PIXELS + j] = Number(cells[j]) / MAX_PIXEL;
    y[row] = Number(cells[PIXELS]);
  });
  return { x, y, n, features: PIXELS, classes: 10 };
}
