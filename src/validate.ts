/**
 * Argument checks for the public API. Every failure names the parameter,
 * what was expected and what was received, so a user can fix the call
 * without reading our source.
 */
import { fileURLToPath } from 'node:url';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(describe).join(', ');
    return `[${shown}${value.length > 8 ? ', ...' : ''}] (array of length ${value.length})`;
  }
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    return 'length' in value ? `${name} of length ${(value as unknown as { length: number }).length}` : name;
  }
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

export function expectPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, received ${describe(value)}`);
  }
  return value;
}

export function expectNonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, received ${describe(value)}`);
  }
  return value;
}

export function expectPositiveFinite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number, received ${describe(value)}`);
  }
  return value;
}

export function expectNonNegativeFinite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative finite number, received ${describe(value)}`);
  }
  return value;
}

/** A number in the half-open interval [low, high). */
export function expectInRange(name: string, value: unknown, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < low || value >= high) {
    throw new RangeError(`${name} must be a number in [${low}, ${high}), received ${describe(value)}`);
  }
  return value;
}

export function expectOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(
      `${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, received ${describe(value)}`,
    );
  }
  return value as T;
}

export function expectBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${name} must be a boolean, received ${describe(value)}`);
  }
  return value;
}

export function expectObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, received ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Throws on an option key the caller did not mean (a typo like `learningRate`). */
export function expectKnownKeys(name: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${name} has an unknown option "${key}"; expected one of ${known.join(', ')}`);
    }
  }
}

const FILE_PATH = 'a file path (a non-empty string or a file: URL)';

/** A path as the file system takes it: a non-empty string, or a file: URL turned into one. */
export function expectFilePath(name: string, value: unknown): string {
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw new TypeError(`${name} must be ${FILE_PATH}, received the ${value.protocol} URL ${JSON.stringify(value.href)}`);
    try {
      return fileURLToPath(value);
    } catch (error) {
      throw new TypeError(`${name} must be ${FILE_PATH}, received the URL ${JSON.stringify(value.href)}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be ${FILE_PATH}, received ${describe(value)}`);
  if (value.includes('\0')) throw new TypeError(`${name} must be ${FILE_PATH} without NUL characters, received ${describe(value)}`);
  return value;
}
