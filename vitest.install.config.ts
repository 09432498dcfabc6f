import { defineConfig } from 'vitest/config';
import { INSTALL_TESTS } from './vitest.config.js';

export default defineConfig({
  test: {
    include: INSTALL_TESTS,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
