import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'eviction',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests create real cgroups and tmpfs mounts as root, each under a unique name.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
