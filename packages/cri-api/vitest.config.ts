import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'cri-api',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests talk to a private containerd and registry started once per run.
    globalSetup: ['../../tools/testenv/src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
