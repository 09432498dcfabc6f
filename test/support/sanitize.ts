/**
 * Whether the tests run against the ASan + UBSan build (npm run
 * test:sanitize). There native code runs several times slower, so counts
 * of timer ticks against an epoch's wall time measure the sanitizers;
 * those runs still do all the work and check every result and every
 * memory access.
 */
export const underSanitizers = process.env.DESCENT_TEST_SANITIZE === '1';
