import {
  CgroupDriver,
  type DeepPartial,
  type RuntimeConfigResponse,
  type RuntimeStatus,
  type VersionResponse,
} from '@capstan/cri-api';
import type { RuntimeBackend } from './backend.js';
import type { Core } from './core.js';

/** Version: the CRI API version served and the backend's name and version. */
export function version(b: RuntimeBackend): DeepPartial<VersionResponse> {
  return {
    version: '0.1.0',
    runtimeName: b.runtimeName,
    runtimeVersion: b.runtimeVersion,
    runtimeApiVersion: 'v1',
  };
}

/** Status: the backend's conditions, and NetworkReady from the pod network. */
export async function runtimeStatus(core: Core): Promise<DeepPartial<RuntimeStatus>> {
  const net = core.network?.ready() ?? {
    ready: false,
    reason: 'NetworkPluginNotReady',
    message: 'no pod network is configured',
  };
  return {
    conditions: [
      ...(await core.backend.status()),
      {
        type: 'NetworkReady',
        status: net.ready,
        reason: net.reason ?? '',
        message: net.message ?? '',
      },
    ],
  };
}

/** RuntimeConfig: the cgroup driver the kubelet must match. */
export function runtimeConfig(
  driver: 'cgroupfs' | 'systemd' | undefined,
): DeepPartial<RuntimeConfigResponse> {
  return {
    linux: { cgroupDriver: driver === 'systemd' ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS },
  };
}
