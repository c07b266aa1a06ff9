import { defineConfig } from 'vitest/config';

// One workspace config: every package, app and tool with a vitest.config.ts is a project.
// `pnpm test` runs them all; `pnpm test --project cri-api` runs one.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tools/*/vitest.config.ts',
    ],
  },
});
