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
  /** One line per problem found (case, what was sent, what came back). */
  failures: string[];
}
