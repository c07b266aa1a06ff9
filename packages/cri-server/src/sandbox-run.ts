import {
  FailedPreconditionError,
  InvalidArgumentError,
  type RunPodSandboxRequest,
} from '@capstan/cri-api';
import type { SandboxRecord } from './backend.js';
import type { Core } from './core.js';
import { newId } from './ids.js';
import { nowNs, sandboxName } from './records.js';
import { destroySandbox } from './sandbox-remove.js';
import { usesNodeNetwork } from './sandbox-stop.js';

export async function runPodSandbox(core: Core, req: RunPodSandboxRequest): Promise<string> {
  const config = req.config;
  const m = config?.metadata;
  if (!config || !m?.name || !m.namespace || !m.uid) {
    throw new InvalidArgumentError('RunPodSandbox: config.metadata needs name, namespace and uid');
  }
  const id = newId();
  const name = sandboxName(config);
  core.names.reserve(name, id, 'sandbox');
  const record: SandboxRecord = {
    id,
    config,
    runtimeHandler: req.runtimeHandler,
    createdAt: nowNs(),
    state: 'notready',
    backend: {},
  };
  return core.locks.run(id, async () => {
    try {
      // Nothing is written before the backend's work: a crash there leaves an object no
      // record knows, which recovery removes (inventory by the server's ID label). The record
      // is written before the pod network is attached, so a crash after that still finds
      // the sandbox whose attachment it must tear down; a node-network sandbox has nothing
      // to attach and is written once, ready.
      const made = await core.backend.runSandbox({
        id,
        config,
        runtimeHandler: req.runtimeHandler,
      });
      record.backend = made.backend;
      if (!usesNodeNetwork(record) && made.netnsPath) {
        await core.store.putSandbox(record);
        if (!core.network) {
          throw new FailedPreconditionError(
            'RunPodSandbox: no pod network is configured on this node',
          );
        }
        const net = await core.network.setUp(record, made.netnsPath);
        record.network = { ...net, netnsPath: made.netnsPath };
      }
      record.state = 'ready';
      await core.store.putSandbox(record);
      core.logger.info({ sandbox: id, name, ip: record.network?.ip }, 'sandbox ready');
      return id;
    } catch (err) {
      await destroySandbox(core, record).catch((cleanupErr) =>
        core.logger.warn({ err: cleanupErr, sandbox: id }, 'cleanup of a failed sandbox failed'),
      );
      throw err;
    }
  });
}
