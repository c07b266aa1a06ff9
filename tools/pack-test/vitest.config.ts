import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'pack-test',
    include: ['test/**/*.test.ts'],
    // The embedding test runs a custom agent against the shared private containerd.
    globalSetup: ['../testenv/src/global-setup.ts'],
    testTimeout: 300_000,
    // beforeAll packs every published package (one `pnpm pack` each): seconds per package on
    // a loaded 2-core machine.
    hookTimeout: 300_000,
  },
});
