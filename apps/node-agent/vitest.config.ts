import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'node-agent',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../tools/testenv/src/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
