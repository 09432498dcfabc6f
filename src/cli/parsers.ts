/** Flag values checked as commander reads them: a bad one is a usage error that names the flag. */
import { InvalidArgumentError } from 'commander';
import type { CsvColumn } from '../data/csv.js';
import { MAX_UNITS } from '../ops/layers/dense.js';

export function parseInteger(flag: string, min: number, max?: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      const expected = max === undefined ? `an integer of at least ${min}` : `an integer in [${min}, ${max}]`;
      throw new InvalidArgumentError(`${flag} expects ${expected}, received "${value}"`);
    }
    return n;
  };
}

export function parseNumber(flag: string, check: (n: number) => boolean, expected: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) {
      throw new InvalidArgumentError(`${flag} expects ${expected}, received "${value}"`);
    }
    return n;
  };
}

export const parseFraction = (flag: string) => parseNumber(flag, (n) => n > 0 && n < 1, 'a number in (0, 1)');

export function parseLayers(value: string): number[] {
  const sizes = value.split(',').map((part) => (part.trim() === '' ? NaN : Number(part.trim())));
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(
      `--layers expects at least two comma-separated positive integers such as 64,128,10, received "${value}"`,
    );
  }
  const tooWide = sizes.findIndex((n) => n > MAX_UNITS);
  if (tooWide >= 0) {
    throw new InvalidArgumentError(`--layers sizes must be at most ${MAX_UNITS}, received ${sizes[tooWide]} at position ${tooWide + 1} of "${value}"`);
  }
  return sizes;
}

/** --label: a column name or 0-based index, or a comma list of them (regression targets). */
export function parseColumns(value: string): CsvColumn[] {
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) {
    throw new InvalidArgumentError(`--label expects a column name or 0-based index, or a comma list of them, received "${value}"`);
  }
  return parts.map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** --delimiter: the text between cells; "tab" or "\t" for a tab. */
export function parseDelimiter(value: string): string {
  if (value === 'tab' || value === '\\t') return '\t';
  if (value === '') throw new InvalidArgumentError('--delimiter expects a character such as ";" (or "tab"), received ""');
  return value;
}
