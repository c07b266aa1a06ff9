import { execFile, execFileSync } from 'node:child_process';
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ended, startEchoServer, startToy, type Toy } from './support/toy.js';

// Debian's python3-kubernetes (for /usr/bin/python3) speaks WebSocket: its WSClient asks
// for v4.channel.k8s.io and reads the exit code from the JSON Status; portforward_call uses
// the v4 port-forward framing.

const PYTHON = '/usr/bin/python3';
const hasClient = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import kubernetes.stream.ws_client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const SCRIPT = `
import sys, json
from kubernetes.client import Configuration
from kubernetes.stream.ws_client import WSClient, get_websocket_url, portforward_call
conf = Configuration()
ws = WSClient(conf, get_websocket_url(sys.argv[1]), None, True)
ws.write_stdin("hello from python\\n")
ws.run_forever(timeout=20)
result = {"stdout": ws.read_stdout(), "stderr": ws.read_stderr(), "code": ws.returncode}
pf = portforward_call(conf, "GET", sys.argv[2], query_params=[("ports", sys.argv[3])])
sock = pf.socket(int(sys.argv[3]))
sock.sendall(b"py")
result["forwarded"] = sock.recv(100).decode()
sock.close()
print(json.dumps(result))
`;

let toy: Toy;
let echo: { port: number; server: Server };
beforeAll(async () => {
  toy = await startToy();
  echo = await startEchoServer();
});
afterAll(async () => {
  await toy.close();
  echo.server.close();
});

describe.skipIf(!hasClient)('the Python Kubernetes client (python3-kubernetes)', () => {
  it('execs with stdin over WebSocket and port-forwards', async () => {
    const exec = toy.server.getExec({
      containerId: 'c1',
      cmd: ['sh', '-c', 'read l; echo "out: $l"; echo "err: $l" >&2; exit 7'],
      stdin: true,
      stdout: true,
      stderr: true,
    }).url;
    const pf = toy.server
      .getPortForward({ podSandboxId: 'p1', port: [echo.port] })
      .url.replace(/^http/, 'ws');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        PYTHON,
        ['-c', SCRIPT, exec, pf, String(echo.port)],
        { timeout: 40_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out)).toEqual({
      stdout: 'out: hello from python\n',
      stderr: 'err: hello from python\n',
      code: 7,
      forwarded: 'echo:py',
    });
    await expect.poll(() => ended(toy).length).toBe(2);
    expect(ended(toy).map((e) => `${e.kind}/${e.transport}/${e.protocol}`)).toEqual([
      'exec/websocket/v4.channel.k8s.io',
      'portforward/websocket/v4.channel.k8s.io',
    ]);
  });
});
