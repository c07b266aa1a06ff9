// What each part of the campaign reports; main.ts prints them as one table.

/** One fuzzing run against one server (CRI or the pod API). */
export interface FuzzReport {
  target: string;
  cases: number;
  /** Server processes that died or stopped answering during the run. */
  crashes: number;
  /** Answers that were not a well-formed status (gRPC status / Kubernetes Status or 2xx). */
  badAnswers: number;
  /** Count per answer kind, e.g. `INVALID_ARGUMENT`, `NOT_FOUND`, `http 400`. */
  answers: Record<string, number>;
  /** Server RSS (KiB, every process of the server) before and after. */
  memoryStartKiB: number;
  memoryEndKiB: number;
  /**
   * What the server retained after a full GC (KiB, JS heap + external) once warm and after
   * the run: given for garbage-collected servers, whose leak verdict it decides.
   */
  retainedStartKiB?: number;
  retainedEndKiB?: number;
  /** One line per problem found (case, what was sent, what came back). */
  failures: string[];
}

/** A report with nothing counted yet. */
export function emptyReport(target: string): FuzzReport {
  return {
    target,
    cases: 0,
    crashes: 0,
    badAnswers: 0,
    answers: {},
    memoryStartKiB: 0,
    memoryEndKiB: 0,
    failures: [],
  };
}

/** Server memory after a run may exceed its start by this share (plus MEMORY_SLACK_KIB). */
export const MEMORY_GROWTH = 0.1;
/** Allocator noise below which growth does not count (KiB). */
export const MEMORY_SLACK_KIB = 8 * 1024;

/** The most a server's RSS may be at the end of a run that started at `startKiB`. */
export function memoryCeilingKiB(startKiB: number): number {
  return startKiB * (1 + MEMORY_GROWTH) + MEMORY_SLACK_KIB;
}

/**
 * The server's memory came back to within 10 % (+8 MiB) of its start: the retained memory
 * when the report has it, otherwise RSS.
 */
export function memoryRecovered(r: FuzzReport): boolean {
  const [start, end] = retainedPair(r) ?? [r.memoryStartKiB, r.memoryEndKiB];
  return end <= memoryCeilingKiB(start);
}

/** [start, end] of the retained memory, when the run measured both. */
function retainedPair(r: FuzzReport): [number, number] | undefined {
  return r.retainedStartKiB !== undefined && r.retainedEndKiB !== undefined
    ? [r.retainedStartKiB, r.retainedEndKiB]
    : undefined;
}

/** `RSS 150.2 → 160.3 MiB, retained 40.1 → 41.0 MiB` (retained when measured). */
export function memoryLine(r: FuzzReport): string {
  const mib = (k: number) => (k / 1024).toFixed(1);
  const pair = retainedPair(r);
  const retained = pair ? `, retained ${mib(pair[0])} → ${mib(pair[1])} MiB` : '';
  return `RSS ${mib(r.memoryStartKiB)} → ${mib(r.memoryEndKiB)} MiB${retained}${memoryRecovered(r) ? '' : ' (not back)'}`;
}

/** No crash, only well-formed answers, no other problem found, memory back. */
export function fuzzPassed(r: FuzzReport): boolean {
  return r.crashes === 0 && r.badAnswers === 0 && r.failures.length === 0 && memoryRecovered(r);
}
