import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** What a float32 kernel may differ from its reference twin by. */
export const KERNEL_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

/**
 * Fails with the max abs diff and the first mismatches when actual (native)
 * and expected (reference) differ by more than atol + rtol * |expected|
 * anywhere; a non-finite value on either side is a mismatch.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, tol: Tolerance = KERNEL_TOLERANCE): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let maxDiff = 0;
  const mismatches: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const diff = Math.abs(a - e);
    if (Number.isFinite(diff)) maxDiff = Math.max(maxDiff, diff);
    if (!Number.isFinite(a) || !Number.isFinite(e) || diff > tol.atol + tol.rtol * Math.abs(e)) {
      count++;
      if (mismatches.length < 5) mismatches.push(`[${i}] native ${a} vs reference ${e}`);
    }
  }
  if (count > 0) {
    expect.fail(
      `${label}: ${count} of ${expected.length} values differ (max abs diff ${maxDiff.toExponential(3)}, ` +
        `atol ${tol.atol}, rtol ${tol.rtol}); first: ${mismatches.join('; ')}`,
    );
  }
}
