import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: { name: 'demo', include: ['test/**/*.test.ts'], testTimeout: 300_000 },
});
