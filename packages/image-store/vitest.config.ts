import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in vite's SSR environment: without this, packages resolve to dist, not source.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'image-store',
    include: ['src/**/*.test.ts'],
  },
});
