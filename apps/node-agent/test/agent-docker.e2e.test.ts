import { startDockerd, startDockerShim } from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { inject } from 'vitest';
import { agentE2eSuite } from './helpers/agent-e2e-suite.js';

// The agent end to end over Capstan's docker-shim: a private dockerd with a bridge pod
// network in its own node netns, the shim serving inside that netns (its streaming server
// on the node's loopback, where the agent proxies exec and kubectl's sessions to).
agentE2eSuite('the docker-shim', async () => {
  const env = inject('testenv');
  const dockerd = await startDockerd({
    network: { podCidr: '10.246.0.0/24', registryHost: env.registryHost },
  });
  try {
    const shim = await startDockerShim({
      dockerd,
      podInfraImage: env.images.pause.ref,
      inNodeNetns: true,
    });
    return {
      address: shim.address,
      netns: dockerd.netns,
      netnsPath: dockerd.netnsPath,
      podCidr: dockerd.podCidr,
      async stop() {
        await shim.stop();
        await dockerd.stop();
      },
    };
  } catch (err) {
    await dockerd.stop();
    throw err;
  }
});
