// The main job: a node as an operator runs it (see node-stack.ts for what runs where).
// Starts the node, runs the demo web pod (an ordinary pod on the pod network, with a
// readiness probe and a hostPort), shows that it answers, prints what to try with kubectl
// and where the logs are; Ctrl-C stops everything and leaves nothing behind.
//   --once             exit after showing the result (tests, CI)
//   --log-level <l>    the agent's and the shim's log level (default info)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, unixRequest } from '@capstan/testenv';
import { say, until } from './demo-util.js';
import { type DemoNode, NODE_NAME, POD_CIDR, startDemoNode } from './node-stack.js';

const argv = process.argv.slice(2);
const once = argv.includes('--once');
const levelAt = argv.indexOf('--log-level');
const logLevel = levelAt >= 0 ? (argv[levelAt + 1] ?? 'info') : 'info';
const HOST_PORT = 8080;
let step = 0;
const TOTAL = 7;
const progress = (msg: string) => say(`(${++step}/${TOTAL}) ${msg}`);

const work = mkdtempSync(join(tmpdir(), 'capstan-node-'));
let node: DemoNode | undefined;
let cleaning = false;

async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  say('stopping: node agent, pods, docker-shim, dockerd, node network, registry');
  await node?.stop(say);
  rmSync(work, { recursive: true, force: true });
  say('stopped; nothing left behind');
}

type PodList = {
  items: {
    metadata: { name: string };
    status?: {
      phase?: string;
      podIP?: string;
      conditions?: { type: string; status: string }[];
      containerStatuses?: { name: string; ready: boolean; restartCount: number; imageID: string }[];
    };
  }[];
};

// Asynchronous: the pod API's relay to the node lives in this process's event loop.
async function kubectl(n: DemoNode, args: string[]): Promise<string> {
  const run = promisify(execFile);
  const { stdout } = await run('kubectl', ['--kubeconfig', n.kubeconfig, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return stdout;
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(0)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(0)));

try {
  node = await startDemoNode({
    work,
    logLevel,
    apiPort: await freePort(),
    progress,
    report: say,
  });
  const n = node;
  say(`    runtime: ${n.runtime}`);

  progress(`starting the demo pod: an ordinary pod on ${POD_CIDR}, hostPort ${HOST_PORT}`);
  writeFileSync(
    join(n.manifests, 'web.yaml'),
    `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { app: web }
spec:
  containers:
  - name: httpd
    image: ${n.images.httpd.ref}
    ports:
    - { containerPort: 8080, hostPort: ${HOST_PORT} }
    readinessProbe:
      httpGet: { port: 8080, path: / }
      periodSeconds: 1
`,
  );
  writeFileSync(
    join(work, 'hello.yaml'),
    `apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: hello
    image: ${n.images.busybox.ref}
    command: [sh, -c, 'i=0; while true; do echo "hello $i"; i=$((i+1)); sleep 2; done']
`,
  );
  progress('waiting for the pod to be Running and Ready');
  const pod = await until('pod web to be Ready', async () => {
    const res = await unixRequest(n.statusSocket, { path: '/pods', timeoutMs: 5000 });
    const list = JSON.parse(res.body.toString()) as PodList;
    const p = list.items.find((x) => x.metadata.name === `web-${NODE_NAME}`);
    return p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p;
  });
  const ip = pod.status?.podIP ?? '';
  const curl = (url: string) =>
    n.dockerd.execInNode(['curl', '-sS', '--max-time', '5', url]).then((r) => r.stdout.trim());
  const page = await curl(`http://${ip}:8080/`);
  const viaHostPort = await curl(`http://127.0.0.1:${HOST_PORT}/`);

  progress('done');
  say('');
  say(`pod ${pod.metadata.name}: ${pod.status?.phase}, Ready, IP ${ip}`);
  for (const c of pod.status?.containerStatuses ?? []) {
    say(`  container ${c.name}: ready=${c.ready} restarts=${c.restartCount} image=${c.imageID}`);
  }
  say(`from the node, http://${ip}:8080/ -> ${JSON.stringify(page)}`);
  say(`and the hostPort, http://127.0.0.1:${HOST_PORT}/ -> ${JSON.stringify(viaHostPort)}`);
  say('');
  try {
    for (const args of [
      ['get', 'nodes'],
      ['get', 'pods', '-o', 'wide'],
    ]) {
      say(`kubectl ${args.join(' ')}:`);
      for (const line of (await kubectl(n, args)).trimEnd().split('\n')) say(`  ${line}`);
    }
  } catch (err) {
    say(`(kubectl could not be run here: ${(err as Error).message.split('\n')[0]})`);
  }
  const inNode = `ip netns exec ${n.dockerd.netns}`;
  say('');
  say('try (in another shell, as root):');
  say(`  export KUBECONFIG=${n.kubeconfig}`);
  say('  kubectl get pods -o wide');
  say(`  kubectl run web2 --image=${n.images.httpd.ref}`);
  say(`  kubectl apply -f ${join(work, 'hello.yaml')}; kubectl logs -f hello`);
  say(`  kubectl describe pod ${pod.metadata.name}; kubectl get events`);
  say(`  kubectl exec ${pod.metadata.name} -- cat /www/index.html`);
  say(`  kubectl top pod; kubectl top node`);
  say(`  ${inNode} curl http://${ip}:8080/    # a pod IP, from the node`);
  say('');
  say(`the node is the network namespace ${n.dockerd.netns}; pod IPs live there only.`);
  say('when something is wrong: kubectl describe pod <name>, kubectl get events, and the logs:');
  say(`  node agent  ${n.logs.agent}`);
  say(`  docker-shim ${n.logs.shim}`);
  say(`  dockerd     ${n.logs.dockerd}`);
  say('');
  if (once) {
    await cleanup();
    process.exit(0);
  }
  say('running; press Ctrl-C to stop everything');
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  if (node) say(`logs: ${node.logs.agent}, ${node.logs.shim}`);
  await cleanup();
  process.exit(1);
}
