import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    name: 'errdefs',
    include: ['src/**/*.test.ts'],
  },
});
