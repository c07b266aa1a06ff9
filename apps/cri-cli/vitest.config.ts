import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'cri-cli',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests drive a private containerd and registry started once per run.
    globalSetup: ['../../tools/testenv/src/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
