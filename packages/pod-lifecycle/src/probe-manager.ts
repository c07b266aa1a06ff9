import type { Container, Probe } from './pod-types.js';
import { type ProbeOutput, type ProbeRuntime, runProbe } from './probe-run.js';

type Kind = 'liveness' | 'readiness' | 'startup';

interface Loop {
  containerId: string;
  timers: NodeJS.Timeout[];
  ready: boolean;
  started: boolean;
  counts: Record<Kind, { ok: number; fail: number }>;
}

/**
 * Probe workers per container: startup first, then liveness and readiness, with the
 * Kubernetes defaults (period 10 s, timeout 1 s, failure threshold 3, success threshold 1).
 */
export class Prober {
  private readonly loops = new Map<string, Loop>();

  constructor(
    private readonly runtime: ProbeRuntime,
    /** A probe result changed readiness or startup: the pod's status must be recomputed. */
    private readonly onChange: (uid: string) => void,
    /** Liveness or startup failed past its threshold: the container must be restarted. */
    private readonly onFailure: (
      uid: string,
      container: string,
      kind: 'liveness' | 'startup',
    ) => void,
    /** Every failed probe run, with its output (the kubelet's Unhealthy event). */
    private readonly onProbeFailed?: (
      uid: string,
      container: string,
      kind: Kind,
      output: string,
    ) => void,
  ) {}

  /** Starts the probes of a running container (no-op when they already run for this ID). */
  ensure(uid: string, spec: Container, containerId: string, podIP: () => string): void {
    const key = `${uid}/${spec.name}`;
    const existing = this.loops.get(key);
    if (existing?.containerId === containerId) return;
    if (existing) this.clear(existing);
    const loop: Loop = {
      containerId,
      timers: [],
      ready: !spec.readinessProbe,
      started: !spec.startupProbe,
      counts: {
        liveness: { ok: 0, fail: 0 },
        readiness: { ok: 0, fail: 0 },
        startup: { ok: 0, fail: 0 },
      },
    };
    this.loops.set(key, loop);
    const schedule = (kind: Kind, probe: Probe) => {
      const period = (probe.periodSeconds ?? 10) * 1000;
      const tick = async () => {
        if (this.loops.get(key) !== loop) return;
        if (kind !== 'startup' && !loop.started)
          return void loop.timers.push(setTimeout(tick, period));
        if (kind === 'startup' && loop.started) return;
        const out: ProbeOutput = { output: '' };
        const ok = await runProbe(this.runtime, probe, containerId, podIP(), spec, out);
        if (this.loops.get(key) !== loop) return;
        if (!ok) this.onProbeFailed?.(uid, spec.name, kind, out.output);
        const c = loop.counts[kind];
        if (ok) {
          c.ok++;
          c.fail = 0;
        } else {
          c.fail++;
          c.ok = 0;
        }
        const threshold = probe.failureThreshold ?? 3;
        if (kind === 'readiness') {
          const before = loop.ready;
          if (c.ok >= (probe.successThreshold ?? 1)) loop.ready = true;
          if (c.fail >= threshold) loop.ready = false;
          if (before !== loop.ready) this.onChange(uid);
        } else if (kind === 'startup') {
          if (ok) {
            loop.started = true;
            this.onChange(uid);
            return;
          }
          if (c.fail >= threshold) return this.onFailure(uid, spec.name, 'startup');
        } else if (c.fail >= threshold) {
          c.fail = 0;
          return this.onFailure(uid, spec.name, 'liveness');
        }
        loop.timers.push(setTimeout(tick, period));
      };
      loop.timers.push(setTimeout(tick, (probe.initialDelaySeconds ?? 0) * 1000));
    };
    if (spec.startupProbe) schedule('startup', spec.startupProbe);
    if (spec.livenessProbe) schedule('liveness', spec.livenessProbe);
    if (spec.readinessProbe) schedule('readiness', spec.readinessProbe);
  }

  /** Readiness and startup of a container, as last probed. */
  state(uid: string, name: string, containerId: string): { ready: boolean; started: boolean } {
    const l = this.loops.get(`${uid}/${name}`);
    if (!l || l.containerId !== containerId) return { ready: false, started: false };
    return { ready: l.ready, started: l.started };
  }

  stop(uid: string, name?: string): void {
    for (const [k, l] of this.loops) {
      if (k === `${uid}/${name}` || (name === undefined && k.startsWith(`${uid}/`))) {
        this.clear(l);
        this.loops.delete(k);
      }
    }
  }

  stopAll(): void {
    for (const l of this.loops.values()) this.clear(l);
    this.loops.clear();
  }

  private clear(l: Loop) {
    for (const t of l.timers) clearTimeout(t);
    l.timers.length = 0;
  }
}
