// What kubectl reads before it does anything: /version, the legacy discovery documents
// (/api, /api/v1, /apis; kubectl >= 1.27 asks for aggregated discovery first and falls
// back to these when the answer is plain application/json) and OpenAPI v3.

import { goArch } from '@capstan/pod-lifecycle';

/** The Kubernetes version this API claims to speak (its REST shapes and kubectl's skew). */
export const DEFAULT_API_VERSION = '1.33.0';

export function versionInfo(version: string): Record<string, string> {
  const [major = '1', minor = '0'] = version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${version}-capstan`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'capstan',
    platform: `${process.platform}/${goArch()}`,
  };
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** events.k8s.io: the node's Events in the newer shape (kubectl events, describe). */
export const EVENTS_API_GROUP = {
  name: 'events.k8s.io',
  versions: [{ groupVersion: 'events.k8s.io/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'events.k8s.io/v1', version: 'v1' },
};

/** The API groups served besides the core group. */
export const API_GROUP_LIST = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [EVENTS_API_GROUP],
};

const EVENTS_RESOURCE = {
  name: 'events',
  singularName: 'event',
  namespaced: true,
  kind: 'Event',
  verbs: ['get', 'list', 'watch'],
  shortNames: ['ev'],
};

export const EVENTS_API_RESOURCE_LIST = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'events.k8s.io/v1',
  resources: [EVENTS_RESOURCE],
};

const sub = (name: string, kind: string, verbs: string[]) => ({
  name,
  singularName: '',
  namespaced: true,
  kind,
  verbs,
});

export const API_RESOURCE_LIST = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['ns'],
    },
    {
      name: 'nodes',
      singularName: 'node',
      namespaced: false,
      kind: 'Node',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['no'],
    },
    { name: 'nodes/status', singularName: '', namespaced: false, kind: 'Node', verbs: ['get'] },
    EVENTS_RESOURCE,
    {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
    },
    sub('pods/attach', 'PodAttachOptions', ['create', 'get']),
    sub('pods/exec', 'PodExecOptions', ['create', 'get']),
    sub('pods/log', 'Pod', ['get']),
    sub('pods/portforward', 'PodPortForwardOptions', ['create', 'get']),
    sub('pods/status', 'Pod', ['get']),
  ],
};
