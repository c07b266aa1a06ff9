import { readFileSync, writeFileSync } from 'node:fs';

/** What a client of the agent's pod API needs, from the kubeconfig the agent writes. */
export interface PodApiAccess {
  /** `https://127.0.0.1:<port>` (in the node netns). */
  url: string;
  token: string;
  /** The listener's CA, written out as a PEM file. */
  caFile: string;
}

/** Reads the agent's kubeconfig (JSON, as the agent writes it) and writes its CA to `caFile`. */
export function readAgentKubeconfig(kubeconfig: string, caFile: string): PodApiAccess {
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
    users?: { user?: { token?: string } }[];
  };
  const cluster = kc.clusters?.[0]?.cluster;
  const token = kc.users?.[0]?.user?.token;
  if (!cluster?.server || !cluster['certificate-authority-data'] || !token)
    throw new Error(`${kubeconfig} has no server, CA or token`);
  writeFileSync(caFile, Buffer.from(cluster['certificate-authority-data'], 'base64'));
  return { url: cluster.server, token, caFile };
}
