// The Kubernetes objects the agent reads and serves: @capstan/pod-lifecycle defines them.
export type { Node, Pod } from '@capstan/pod-lifecycle';
