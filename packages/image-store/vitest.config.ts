import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    name: 'image-store',
    include: ['src/**/*.test.ts'],
  },
});
