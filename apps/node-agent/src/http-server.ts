import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Agent } from './agent.js';

/**
 * The agent's read-only HTTP endpoints (the kubelet's healthz port): /healthz, /metrics
 * (Prometheus), /pods (a PodList), /stats/summary (the kubelet's Summary API shape, from
 * CRI stats), /manifest-errors.
 */
export function startHttpServer(
  agent: Agent,
  host: string,
  port: number,
  socketPath?: string,
): Promise<Server> {
  let podList: { rv: string; body: string } | undefined;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    try {
      switch (url.pathname) {
        case '/healthz': {
          const h = agent.healthy();
          res.writeHead(h.ok ? 200 : 500, { 'content-type': 'text/plain' });
          res.end(h.ok ? 'ok' : `unhealthy: ${h.reason}`);
          return;
        }
        case '/metrics':
          res.writeHead(200, { 'content-type': agent.metrics.registry.contentType });
          res.end(await agent.metrics.registry.metrics());
          return;
        case '/pods': {
          // Serialized once per registry change: pollers (monitoring, tests) get the cached
          // text instead of a deep copy and a fresh JSON text of every pod per request.
          const rv = agent.pods.resourceVersion();
          if (podList?.rv !== rv) {
            podList = {
              rv,
              body: `${JSON.stringify(
                { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: agent.pods.podsView() },
                null,
                2,
              )}\n`,
            };
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(podList.body);
          return;
        }
        case '/manifest-errors':
          return json(200, agent.manifestErrors());
        case '/stats/summary':
          return json(200, await summary(agent));
        default:
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('404 page not found\n');
      }
    } catch (err) {
      json(500, { error: (err as Error).message });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (socketPath) {
      rmSync(socketPath, { force: true });
      server.listen(socketPath, () => {
        chmodSync(socketPath, 0o600);
        resolve(server);
      });
    } else server.listen(port, host, () => resolve(server));
  });
}

async function summary(agent: Agent) {
  const { stats } = await agent.cri.runtime.listContainerStats({}).catch(() => ({ stats: [] }));
  const byPod = new Map<string, unknown[]>();
  const pods = agent.pods.list();
  for (const s of stats) {
    const uid = s.attributes?.labels['io.kubernetes.pod.uid'];
    if (!uid) continue;
    byPod.set(uid, [
      ...(byPod.get(uid) ?? []),
      {
        name: s.attributes?.metadata?.name,
        cpu: {
          time: new Date().toISOString(),
          usageCoreNanoSeconds: Number(s.cpu?.usageCoreNanoSeconds?.value ?? 0n),
        },
        memory: {
          time: new Date().toISOString(),
          workingSetBytes: Number(s.memory?.workingSetBytes?.value ?? 0n),
        },
      },
    ]);
  }
  return {
    node: {
      nodeName: agent.options.nodeName,
      startTime: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    },
    pods: pods.map((p) => ({
      podRef: { name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid },
      containers: byPod.get(p.metadata.uid!) ?? [],
    })),
  };
}
