import { defineConfig } from 'vitest/config';

/**
 * The packed-install test (npm pack, then installs into new projects from
 * the tarball, a path and a git URL) takes over two minutes: it runs as
 * `npm run test:install` (vitest.install.config.ts), which .ci/run calls
 * after `npm test`.
 */
export const INSTALL_TESTS = ['test/packed-install.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...INSTALL_TESTS],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: one test file per core keeps timings of the async tests honest.
    maxWorkers: 2,
  },
});
