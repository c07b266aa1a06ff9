import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'cni-net',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests run the real CNI plugins as root inside network namespaces they create.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
