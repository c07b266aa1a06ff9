import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'chaos',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../testenv/src/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
