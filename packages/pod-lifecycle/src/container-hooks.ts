import type { Container, LifecycleHandler } from './pod-types.js';
import { type ProbeRuntime, runProbe } from './probe-run.js';

/** Runs a postStart or preStop hook (exec, httpGet, tcpSocket or sleep); true on success. */
export async function runHook(
  runtime: ProbeRuntime,
  h: LifecycleHandler,
  containerId: string,
  podIP: string,
  spec: Container,
): Promise<boolean> {
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, h.sleep!.seconds * 1000));
    return true;
  }
  return runProbe(runtime, { ...h, timeoutSeconds: 30 }, containerId, podIP, spec);
}
