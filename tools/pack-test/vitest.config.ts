import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'pack-test',
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    // Packing every package runs pnpm once each: slow on a loaded 2-core machine.
    hookTimeout: 300_000,
  },
});
