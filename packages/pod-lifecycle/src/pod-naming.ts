import type { Pod } from './pod-types.js';

/** Labels the agent puts on CRI sandboxes and containers (the kubelet's names). */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANN_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANN_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANN_INIT = 'capstan.io/init-container';
/** Marks CRI objects made by a Capstan node agent (so an agent never touches others'). */
export const LABEL_MANAGED = 'capstan.io/node-agent';

export const nsOf = (pod: Pod) => pod.metadata.namespace ?? 'default';
export const keyOf = (pod: Pod) => `${nsOf(pod)}/${pod.metadata.name}`;
export const podLogDir = (root: string, pod: Pod) =>
  `${root}/${nsOf(pod)}_${pod.metadata.name}_${pod.metadata.uid}`;
