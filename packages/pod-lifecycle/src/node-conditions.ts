import type { EventRecorder } from './events.js';
import { nodeRef } from './events.js';
import type { NodeCondition } from './pod-types.js';

/** A CRI RuntimeCondition (RuntimeReady, NetworkReady). */
export interface RuntimeConditionLike {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** kubecontainer.RuntimeCondition's String(): `NetworkReady=false reason:... message:...`. */
export function runtimeCondition(c: RuntimeConditionLike): string {
  return `${c.type}=${c.status} reason:${c.reason} message:${c.message}`;
}

/** What the node's conditions are computed from. */
export interface NodeConditionInput {
  /** The runtime's Status conditions; undefined when Status failed (the runtime is down). */
  runtime: RuntimeConditionLike[] | undefined;
  /** A pressure condition (MemoryPressure, DiskPressure, PIDPressure) when eviction set one. */
  pressure(type: string): { status: boolean; message: string } | undefined;
  /** The PLEG's health, with why not. */
  health: { ok: boolean; reason?: string };
}

const PRESSURE = [
  [
    'MemoryPressure',
    'KubeletHasSufficientMemory',
    'kubelet has sufficient memory available',
    'KubeletHasInsufficientMemory',
    'kubelet has insufficient memory available',
  ],
  [
    'DiskPressure',
    'KubeletHasNoDiskPressure',
    'kubelet has no disk pressure',
    'KubeletHasDiskPressure',
    'kubelet has disk pressure',
  ],
  [
    'PIDPressure',
    'KubeletHasSufficientPID',
    'kubelet has sufficient PID available',
    'KubeletHasInsufficientPID',
    'kubelet has insufficient PID available',
  ],
] as const;

/**
 * The node's conditions as the kubelet's setters word them (times not set): the pressure
 * conditions, and Ready with a message naming what is not ready (the runtime's own
 * condition, the PLEG).
 */
export function nodeConditions(i: NodeConditionInput): NodeCondition[] {
  const out: NodeCondition[] = PRESSURE.map(
    ([type, okReason, okMessage, badReason, badMessage]) => {
      const p = i.pressure(type);
      return p?.status
        ? { type, status: 'True', reason: badReason, message: p.message || badMessage }
        : { type, status: 'False', reason: okReason, message: okMessage };
    },
  );
  const errs: string[] = [];
  if (!i.runtime) errs.push('container runtime is down');
  else {
    const rt = i.runtime.find((c) => c.type === 'RuntimeReady');
    const net = i.runtime.find((c) => c.type === 'NetworkReady');
    if (!rt) errs.push('container runtime status check may not have completed yet');
    else if (!rt.status) errs.push(`container runtime not ready: ${runtimeCondition(rt)}`);
    if (!net) errs.push('container runtime network not ready: NetworkReady condition is missing');
    else if (!net.status)
      errs.push(`container runtime network not ready: ${runtimeCondition(net)}`);
  }
  if (!i.health.ok) errs.push(`PLEG is not healthy: ${i.health.reason ?? 'relist not running'}`);
  out.push(
    errs.length === 0
      ? {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          // utilerrors.NewAggregate's Error(): one error as is, several in brackets.
          message: errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`,
        },
  );
  return out;
}

// The event the kubelet records when a condition becomes True / False.
const EVENTS: Record<string, [string, string]> = {
  MemoryPressure: ['NodeHasInsufficientMemory', 'NodeHasSufficientMemory'],
  DiskPressure: ['NodeHasDiskPressure', 'NodeHasNoDiskPressure'],
  PIDPressure: ['NodeHasInsufficientPID', 'NodeHasSufficientPID'],
  Ready: ['NodeReady', 'NodeNotReady'],
};

/**
 * Keeps the node's conditions between status updates: lastTransitionTime stays until the
 * status changes, and each change is an Event on the node ("Node n status is now:
 * NodeHasSufficientMemory", NodeReady, NodeNotReady...), as the kubelet's setters record.
 */
export class NodeConditionTracker {
  private readonly last = new Map<string, NodeCondition>();

  constructor(
    private readonly nodeName: string,
    private readonly recorder: EventRecorder,
  ) {}

  update(conditions: NodeCondition[], now = new Date()): NodeCondition[] {
    const iso = now.toISOString().replace(/\.\d+Z$/, 'Z');
    return conditions.map((c) => {
      const prev = this.last.get(c.type);
      const changed = prev?.status !== c.status;
      const next: NodeCondition = {
        ...c,
        lastHeartbeatTime: iso,
        lastTransitionTime: changed ? iso : prev.lastTransitionTime!,
      };
      this.last.set(c.type, next);
      const names = EVENTS[c.type];
      // The kubelet's first status has no Ready event of its own unless it is Ready (the
      // NotReady it posts before the first runtime check is not modelled here).
      if (names && changed && (prev !== undefined || c.type !== 'Ready' || c.status === 'True')) {
        const reason = c.status === 'True' ? names[0] : names[1];
        this.recorder.event(
          nodeRef(this.nodeName),
          'Normal',
          reason,
          `Node ${this.nodeName} status is now: ${reason}`,
        );
      }
      return next;
    });
  }
}
