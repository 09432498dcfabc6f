/**
 * Whether the tests run against the ASan + UBSan build (npm run
 * test:sanitize). There native code runs several times slower, so the
 * generous event-loop gap bounds would measure the sanitizers; those runs
 * still do all the work and check every result and every memory access.
 */
export const underSanitizers = process.env.DESCENT_TEST_SANITIZE === '1';

/** A bound on the longest event-loop gap, checked except under the sanitizers. */
export function gapBound(ms: number): number {
  return underSanitizers ? Number.POSITIVE_INFINITY : ms;
}
