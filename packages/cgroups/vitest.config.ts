import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'cgroups',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests create real cgroups as root; each file uses its own unique root.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
