import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { StreamingServer } from '../../src/index.js';

/** One container of the harness's pod. */
export interface HarnessContainer {
  name: string;
  /** The runtime's container ID the exec/attach URLs are asked for. */
  containerId: string;
  tty?: boolean;
  stdin?: boolean;
}

export interface KubeApiHarnessOptions {
  streaming: StreamingServer;
  /** Directory for the kubeconfig. */
  dir: string;
  namespace?: string;
  podName?: string;
  podSandboxId: string;
  containers: HarnessContainer[];
  /** The version /version reports. */
  serverVersion?: { major: string; minor: string };
}

export interface KubeApiHarness {
  url: string;
  kubeconfig: string;
  /** Requests seen, as `METHOD path` (for debugging tests). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A minimal Kubernetes API in front of a streaming server, enough for kubectl exec, attach
 * and port-forward: discovery (/version, /api, /apis, /api/v1), GET of one pod, and the
 * pods/exec, pods/attach and pods/portforward upgrades, which are turned into CRI requests
 * for the streaming server and proxied to the URL it hands out (as the kubelet does).
 */
export async function startKubeApiHarness(opts: KubeApiHarnessOptions): Promise<KubeApiHarness> {
  const ns = opts.namespace ?? 'default';
  const podName = opts.podName ?? 'toy';
  const version = opts.serverVersion ?? { major: '1', minor: '33' };
  const requests: string[] = [];
  const podPath = `/api/v1/namespaces/${ns}/pods/${podName}`;
  const pod = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: podName,
      namespace: ns,
      uid: randomUUID(),
      resourceVersion: '1',
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: {
      containers: opts.containers.map((c) => ({
        name: c.name,
        image: 'toy',
        stdin: c.stdin ?? false,
        tty: c.tty ?? false,
      })),
    },
    status: {
      phase: 'Running',
      podIP: '127.0.0.1',
      containerStatuses: opts.containers.map((c) => ({
        name: c.name,
        ready: true,
        restartCount: 0,
        image: 'toy',
        imageID: 'toy',
        containerID: `toy://${c.containerId}`,
        state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
      })),
    },
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, what: string) =>
    json(res, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `${what} not found`,
      reason: 'NotFound',
      code: 404,
    });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${u.pathname}`);
    switch (u.pathname) {
      case '/version':
        return json(res, 200, {
          ...version,
          gitVersion: `v${version.major}.${version.minor}.0`,
          platform: 'linux/amd64',
          goVersion: 'go1.24',
          compiler: 'gc',
        });
      case '/api':
        return json(res, 200, {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [],
        });
      case '/apis':
        return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case '/api/v1':
        return json(res, 200, {
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            {
              name: 'pods',
              singularName: 'pod',
              namespaced: true,
              kind: 'Pod',
              verbs: ['get', 'list'],
              shortNames: ['po'],
            },
            {
              name: 'pods/attach',
              singularName: '',
              namespaced: true,
              kind: 'PodAttachOptions',
              verbs: ['create', 'get'],
            },
            {
              name: 'pods/exec',
              singularName: '',
              namespaced: true,
              kind: 'PodExecOptions',
              verbs: ['create', 'get'],
            },
            {
              name: 'pods/portforward',
              singularName: '',
              namespaced: true,
              kind: 'PodPortForwardOptions',
              verbs: ['create', 'get'],
            },
          ],
        });
      case podPath:
        return json(res, 200, pod);
      default:
        return notFound(res, u.pathname);
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push(`UPGRADE ${req.method} ${u.pathname}`);
    const sub = u.pathname.startsWith(`${podPath}/`) ? u.pathname.slice(podPath.length + 1) : '';
    const q = u.searchParams;
    const flag = (name: string) => q.get(name) === 'true' || q.get(name) === '1';
    const container = opts.containers.find(
      (c) => c.name === (q.get('container') ?? opts.containers[0]?.name),
    );
    let target: string;
    try {
      if ((sub === 'exec' || sub === 'attach') && container) {
        const flags = {
          stdin: flag('stdin'),
          stdout: flag('stdout'),
          stderr: flag('stderr'),
          tty: flag('tty'),
        };
        target =
          sub === 'exec'
            ? opts.streaming.getExec({
                containerId: container.containerId,
                cmd: q.getAll('command'),
                ...flags,
              }).url
            : opts.streaming.getAttach({ containerId: container.containerId, ...flags }).url;
      } else if (sub === 'portforward') {
        const ports = q
          .getAll('ports')
          .flatMap((p) => p.split(','))
          .filter(Boolean)
          .map(Number);
        target = opts.streaming.getPortForward({
          podSandboxId: opts.podSandboxId,
          port: ports,
        }).url;
      } else {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
    } catch (err) {
      const body = (err as Error).message;
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    proxyUpgrade(req, socket, head, target);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(opts.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: harness',
      '  cluster:',
      `    server: ${url}`,
      '    insecure-skip-tls-verify: true',
      'contexts:',
      '- name: harness',
      '  context:',
      '    cluster: harness',
      '    user: harness',
      `    namespace: ${ns}`,
      'current-context: harness',
      'users:',
      '- name: harness',
      '  user: {}',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Forwards an upgrade request to `target` (same headers, the target's path) and splices the sockets. */
function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: string): void {
  const t = new URL(target);
  const upstream: Socket = connect(Number(t.port), t.hostname);
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  upstream.on('connect', () => {
    const lines = [`${req.method} ${t.pathname}${t.search} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (name.toLowerCase() === 'host') lines.push(`Host: ${t.host}`);
      else lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
}
