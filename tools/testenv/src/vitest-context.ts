// vitest's inject('testenv') typing: import this (`import type {} from '@capstan/testenv/vitest'`)
// from test files. Kept apart from index.ts so non-test programs need not resolve vitest.
import type { ProvidedTestEnv } from './provided-context.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: ProvidedTestEnv;
  }
}
