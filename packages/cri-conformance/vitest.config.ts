import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'cri-conformance',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../tools/testenv/src/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
