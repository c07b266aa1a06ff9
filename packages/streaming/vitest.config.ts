import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'streaming',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real clients (kubectl, Python) and real processes; nothing needs the private daemons.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
