import type { CallRecord } from '@capstan/cri-api';
import { GrpcStatus } from '@capstan/cri-api';
import { Histogram, Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** The one interceptor: logs, times (a Prometheus histogram per method) every CRI call. */
export function callObserver(registry: Registry, logger: Logger) {
  const histogram = new Histogram({
    name: 'capstan_cri_request_duration_seconds',
    help: 'CRI request latency by method and gRPC status code',
    labelNames: ['method', 'code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return (r: CallRecord) => {
    const method = r.path.slice(r.path.lastIndexOf('/') + 1);
    const code = GrpcStatus[r.code] ?? String(r.code);
    histogram.observe({ method, code }, r.durationMs / 1000);
    const fields = { method, code, ms: Math.round(r.durationMs * 10) / 10, api: r.apiVersion };
    if (r.kind === undefined) logger.debug(fields, 'cri call');
    else if (r.kind === 'internal' || r.kind === 'unknown')
      logger.error({ ...fields, err: r.error }, 'cri call failed');
    else
      logger.info(
        { ...fields, err: r.error instanceof Error ? r.error.message : r.error },
        'cri call refused',
      );
  };
}

export { Registry };
