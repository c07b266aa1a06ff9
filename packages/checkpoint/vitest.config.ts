import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'checkpoint',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
