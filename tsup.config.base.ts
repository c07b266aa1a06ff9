import type { Options } from 'tsup';

/** The one build config every published package shares: ESM + .d.ts, Node 22+. */
export function packageBuild(entry: string[] = ['src/index.ts']): Options {
  return {
    entry,
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    dts: { compilerOptions: { customConditions: [] } },
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
    tsconfig: 'tsconfig.build.json',
  };
}
