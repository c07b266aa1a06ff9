import type { UpdateContainerResourcesRequest } from '@capstan/cri-api';
import { requireContainer } from './container-state.js';
import type { Core } from './core.js';

/**
 * UpdateContainerResources: the backend applies the new limits, then the record keeps
 * them (ContainerStatus reports them). Under the container's lock, like every mutating
 * RPC, so an update cannot interleave with a start, stop or remove of the same container.
 */
export async function updateContainerResources(
  core: Core,
  req: UpdateContainerResourcesRequest,
): Promise<void> {
  const id = requireContainer(core, req.containerId).id;
  await core.locks.run(id, async () => {
    const c = requireContainer(core, id);
    if (!req.linux) return;
    await core.backend.updateContainerResources(c, req.linux);
    c.config.linux = { ...(c.config.linux ?? ({} as never)), resources: req.linux };
    await core.store.putContainer(c);
  });
}
