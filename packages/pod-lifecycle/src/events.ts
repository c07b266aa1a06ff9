import type { Pod } from './pod-types.js';

// Kubernetes Events as the kubelet records them (client-go's record package): the core/v1
// Event shape, the object references it names, and the recorder interface the lifecycle
// calls at each step.

/** The object an event is about (core/v1 ObjectReference). */
export interface ObjectRef {
  kind: 'Pod' | 'Node';
  apiVersion?: string;
  namespace?: string;
  name: string;
  uid?: string;
  /** `spec.containers{name}` or `spec.initContainers{name}` for a container's events. */
  fieldPath?: string;
}

export type EventType = 'Normal' | 'Warning';

/** A core/v1 Event as the kubelet's recorder writes it. */
export interface KubeEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
  };
  involvedObject: ObjectRef;
  reason: string;
  message: string;
  source: { component: string; host: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: EventType;
  eventTime: null;
  reportingComponent: string;
  reportingInstance: string;
}

/** Where the lifecycle reports what it did (the kubelet's EventRecorder). */
export interface EventRecorder {
  event(ref: ObjectRef, type: EventType, reason: string, message: string): void;
}

/** A recorder that drops everything (the default when the caller gives none). */
export const discardEvents: EventRecorder = { event() {} };

/** The reference to a pod. */
export function podRef(pod: Pod): ObjectRef {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
  };
}

/** The reference to one container of a pod (the kubelet's GenerateContainerRef). */
export function containerRef(pod: Pod, name: string): ObjectRef {
  const init = (pod.spec.initContainers ?? []).some((c) => c.name === name);
  return {
    ...podRef(pod),
    fieldPath: `${init ? 'spec.initContainers' : 'spec.containers'}{${name}}`,
  };
}

/** The kubelet's node reference: its UID is the node's name, it has no namespace. */
export function nodeRef(nodeName: string): ObjectRef {
  return { kind: 'Node', name: nodeName, uid: nodeName };
}

/** The kubelet's format.Pod: `name_namespace(uid)`. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`;
}
