import {
  type DeepPartial,
  type ExecSyncRequest,
  type ExecSyncResponse,
  InvalidArgumentError,
} from '@capstan/cri-api';
import { requireRunning } from './container-state.js';
import type { Core } from './core.js';

/** ExecSync: a command in a running container, its output and exit code. */
export async function execSync(
  core: Core,
  req: ExecSyncRequest,
): Promise<DeepPartial<ExecSyncResponse>> {
  if (req.cmd.length === 0) throw new InvalidArgumentError('ExecSync: cmd is empty');
  const c = await requireRunning(core, req.containerId, 'ExecSync');
  return core.backend.execSync(c, req.cmd, Number(req.timeout));
}

/** ReopenContainerLog: the runtime writes to a new file at the container's log path. */
export async function reopenContainerLog(core: Core, containerId: string): Promise<void> {
  await core.backend.reopenContainerLog(
    await requireRunning(core, containerId, 'ReopenContainerLog'),
  );
}
