import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  connectSpdy,
  openRemoteCommand,
  type RemoteCommandSession,
  runRemoteCommand,
  StreamType,
} from '../src/index.js';
import { ended, startToy, type Toy } from './support/toy.js';

let toy: Toy;
beforeAll(async () => {
  toy = await startToy();
});
afterAll(() => toy.close());

const SCRIPT = 'cat; echo to-err >&2; exit 3';
const execUrl = (cmd = ['sh', '-c', SCRIPT], flags = { stdin: true, stdout: true, stderr: true }) =>
  toy.server.getExec({ containerId: 'c1', cmd, ...flags }).url;

function collectUntil(s: NodeJS.ReadableStream, re: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let seen = '';
    const on = (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) {
        s.off('data', on);
        resolve(seen);
      }
    };
    s.on('data', on);
  });
}

describe('exec over SPDY/3.1, every protocol version', () => {
  for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
    it(`${protocol}: stdin, stdout, stderr and the exit code in a JSON Status`, async () => {
      const res = await runRemoteCommand(execUrl(), { protocols: [protocol], stdin: 'hello\n' });
      expect(res).toMatchObject({ protocol, exitCode: 3, transport: 'spdy' });
      expect(res.stdout.toString()).toBe('hello\n');
      expect(res.stderr.toString()).toBe('to-err\n');
      expect(res.status).toMatchObject({ reason: 'NonZeroExitCode' });
    });
  }
  for (const protocol of ['v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']) {
    it(`${protocol}: the error stream carries text, only on failure`, async () => {
      const failed = await runRemoteCommand(execUrl(), { protocols: [protocol], stdin: 'x\n' });
      expect(failed).toMatchObject({ protocol, exitCode: null });
      expect(failed.error).toMatch(/non-zero exit code/);
      expect(failed.stdout.toString()).toBe('x\n');
      const ok = await runRemoteCommand(
        execUrl(['true'], { stdin: false, stdout: true, stderr: true }),
        {
          protocols: [protocol],
        },
      );
      expect(ok.exitCode).toBe(0);
    });
  }

  it('a client that sends no X-Stream-Protocol-Version gets the unversioned v1', async () => {
    const res = await runRemoteCommand(
      execUrl(['echo', 'legacy'], { stdin: false, stdout: true, stderr: true }),
      {
        protocols: [],
      },
    );
    expect(res.stdout.toString()).toBe('legacy\n');
    expect(toy.sessions.at(-1)).toMatchObject({ protocol: 'channel.k8s.io' });
  });

  it('refuses protocols it does not speak with 403 and the accepted list', async () => {
    const err = await connectSpdy(execUrl(), ['v9.channel.k8s.io']).catch((e) => e);
    expect(err).toMatchObject({ statusCode: 403 });
    expect(err.body).toMatch(/unable to negotiate protocol/);
  });
});

describe('exec over WebSocket, every subprotocol', () => {
  it('v5.channel.k8s.io: stdin closed with the CLOSE signal, exit code in the Status', async () => {
    const res = await runRemoteCommand(execUrl(), { transport: 'websocket', stdin: 'ws-hello\n' });
    expect(res).toMatchObject({ protocol: 'v5.channel.k8s.io', exitCode: 3 });
    expect(res.stdout.toString()).toBe('ws-hello\n');
    expect(res.stderr.toString()).toBe('to-err\n');
  });

  for (const protocol of [
    'v4.channel.k8s.io',
    'v4.base64.channel.k8s.io',
    'channel.k8s.io',
    'base64.channel.k8s.io',
  ]) {
    it(`${protocol}: output, errors and exit status`, async () => {
      const url = execUrl(['sh', '-c', 'head -c 4; printf "\\377\\000bin" >&2; exit 5']);
      const res = await runRemoteCommand(url, {
        transport: 'websocket',
        protocols: [protocol],
        stdin: 'abcd',
      });
      expect(res.protocol).toBe(protocol);
      expect(res.stdout.toString()).toBe('abcd');
      expect(res.stderr).toEqual(Buffer.from([0xff, 0, 0x62, 0x69, 0x6e]));
      if (protocol.startsWith('v4')) expect(res.exitCode).toBe(5);
      else
        expect(res).toMatchObject({
          exitCode: null,
          error: expect.stringMatching(/non-zero exit code/),
        });
    });
  }

  it('a WebSocket client offering no subprotocol gets binary channels (v1)', async () => {
    const ws = new WebSocket(
      execUrl(['echo', 'plain'], { stdin: false, stdout: true, stderr: false }).replace(
        'http',
        'ws',
      ),
    );
    const messages: Buffer[] = [];
    ws.on('message', (m: Buffer) => messages.push(m));
    await once(ws, 'close');
    expect(
      Buffer.concat(messages.filter((m) => m[0] === 1).map((m) => m.subarray(1))).toString(),
    ).toBe('plain\n');
  });

  it('ignores malformed messages (unknown channels, bad base64) and carries on', async () => {
    const url = execUrl(['head', '-c', '2'], { stdin: true, stdout: true, stderr: false });
    const ws = new WebSocket(url.replace('http', 'ws'), ['v4.base64.channel.k8s.io']);
    const messages: string[] = [];
    ws.on('message', (m: Buffer) => messages.push(m.toString()));
    await once(ws, 'open');
    ws.send('9AAAA');
    ws.send('0!!!not base64');
    ws.send(Buffer.alloc(0));
    ws.send(`0${Buffer.from('ok').toString('base64')}`);
    await once(ws, 'close');
    expect(messages).toContain(`1${Buffer.from('ok').toString('base64')}`);
  });

  it('answers an unsupported subprotocol with 400', async () => {
    const err = await runRemoteCommand(execUrl(), {
      transport: 'websocket',
      protocols: ['v9.channel.k8s.io'],
    }).catch((e) => e);
    expect(err).toMatchObject({ statusCode: 400 });
  });
});

describe('TTY', () => {
  for (const transport of ['spdy', 'websocket'] as const) {
    it(`${transport}: one raw stream from a terminal that follows resizes`, async () => {
      const url = toy.server.getExec({
        containerId: 'c1',
        cmd: ['sh'],
        stdin: true,
        stdout: true,
        tty: true,
      }).url;
      const s = await openRemoteCommand(url, {
        transport,
        stdin: true,
        tty: true,
        initialSize: { width: 100, height: 40 },
      });
      expect(s.stderr).toBeNull();
      const first = collectUntil(s.stdout!, /40 100/);
      s.stdin!.write('[ -t 1 ] && echo "tty-yes"; stty size\r');
      expect(await first).toMatch(/tty-yes/);
      s.resize({ width: 132, height: 50 });
      await new Promise((r) => setTimeout(r, 200));
      const second = collectUntil(s.stdout!, /50 132/);
      s.stdin!.write('stty size; exit 6\r');
      await second;
      s.stdout!.resume();
      expect((await s.done).exitCode).toBe(6);
    });
  }

  it('v2 has no resize stream: the terminal keeps its size', async () => {
    const url = toy.server.getExec({
      containerId: 'c1',
      cmd: ['stty', 'size'],
      stdout: true,
      tty: true,
    }).url;
    const res = await runRemoteCommand(url, {
      protocols: ['v2.channel.k8s.io'],
      tty: true,
      initialSize: { width: 99, height: 9 },
    });
    expect(res.stdout.toString()).toMatch(/24 80/);
  });
});

describe('attach', () => {
  for (const transport of ['spdy', 'websocket'] as const) {
    it(`${transport}: to a main process with pipes, stdin in and stdout/stderr out`, async () => {
      toy.runtime.addContainer(`reader-${transport}`);
      toy.runtime.start(`reader-${transport}`, [
        'sh',
        '-c',
        'while read l; do echo "got $l"; echo "err $l" >&2; done',
      ]);
      const url = toy.server.getAttach({
        containerId: `reader-${transport}`,
        stdin: true,
        stdout: true,
        stderr: true,
      }).url;
      const s: RemoteCommandSession = await openRemoteCommand(url, { transport, stdin: true });
      const out = collectUntil(s.stdout!, /got one/);
      const err = collectUntil(s.stderr!, /err one/);
      s.stdin!.write('one\n');
      await Promise.all([out, err]);
      await toy.runtime.stop(`reader-${transport}`);
      s.stdout!.resume();
      s.stderr!.resume();
      expect((await s.done).exitCode).toBe(0);
    });

    it(`${transport}: to a main process on a terminal`, async () => {
      const id = `shell-${transport}`;
      toy.runtime.addContainer(id);
      toy.runtime.start(id, ['sh'], { tty: true });
      const url = toy.server.getAttach({
        containerId: id,
        stdin: true,
        stdout: true,
        tty: true,
      }).url;
      const s = await openRemoteCommand(url, {
        transport,
        stdin: true,
        tty: true,
        initialSize: { width: 77, height: 22 },
      });
      const seen = collectUntil(s.stdout!, /hi-42[\s\S]*22 77/);
      s.stdin!.write('echo "hi-$((6*7))"; stty size\r');
      await seen;
      s.close();
      await toy.runtime.stop(id);
    });
  }

  it('attach to a container that is not running reports the runtime error', async () => {
    toy.runtime.addContainer('stopped');
    const url = toy.server.getAttach({ containerId: 'stopped', stdout: true }).url;
    const res = await runRemoteCommand(url, { stderr: false });
    expect(res).toMatchObject({
      exitCode: null,
      error: expect.stringMatching(/attaching to container: container stopped is not running/),
    });
  });
});

describe('sessions end cleanly', () => {
  it('the process is killed when the client disconnects', async () => {
    const url = execUrl(['sh', '-c', 'echo $$; exec sleep 1000'], {
      stdin: false,
      stdout: true,
      stderr: false,
    });
    const s = await openRemoteCommand(url, { stderr: false });
    const pid = Number((await collectUntil(s.stdout!, /\d+\n/)).trim());
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    s.close();
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`/proc/${pid}`)).toBe(false); // killed and reaped
    await new Promise((r) => setTimeout(r, 50));
    expect(ended(toy).at(-1)).toMatchObject({ error: 'client disconnected' });
  });

  it('with isolatePids, a background grandchild is killed and reaped too (no zombie)', async () => {
    const isolated = await startToy({}, { isolatePids: true });
    try {
      const url = isolated.server.getExec({
        containerId: 'c1',
        cmd: ['sh', '-c', 'sleep 1017 & echo $!; wait'],
        stdout: true,
      }).url;
      const s = await openRemoteCommand(url, { stderr: false });
      await collectUntil(s.stdout!, /\d+\n/);
      // `$!` is printed right after the fork, maybe before the child became `sleep`.
      for (let i = 0; i < 100 && findSleepers().length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(findSleepers().length).toBe(1);
      s.close();
      for (let i = 0; i < 100 && findSleepers().length > 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(findSleepers()).toEqual([]);
    } finally {
      await isolated.close();
    }
  });

  it('a runtime failure becomes an InternalError Status', async () => {
    const res = await runRemoteCommand(
      execUrl(['/nonexistent/cmd'], { stdin: false, stdout: true, stderr: true }),
    );
    expect(res).toMatchObject({
      exitCode: null,
      status: { reason: 'InternalError', code: 500 },
      error: expect.stringMatching(/error executing command in container: .*ENOENT/),
    });
  });

  it('a SPDY client that never opens its streams is dropped after the creation timeout', async () => {
    const quick = await startToy({ streamCreationTimeoutMs: 200 });
    try {
      const url = quick.server.getExec({ containerId: 'c1', cmd: ['true'], stdout: true }).url;
      const { session } = await connectSpdy(url, ['v4.channel.k8s.io']);
      await session.openStream({ streamType: StreamType.ERROR });
      await session.closed;
      expect(ended(quick)[0]?.error).toMatch(/opened 1 of 2 streams/);
    } finally {
      await quick.close();
    }
  });
});

/** PIDs of this test's `sleep 1017`, zombies included (a zombie has an empty cmdline). */
function findSleepers(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (
        cmdline === 'sleep\u00001017\u0000' ||
        (stat.includes('(sleep) Z') && sleepersSeen.has(Number(pid)))
      ) {
        out.push(Number(pid));
        sleepersSeen.add(Number(pid));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const sleepersSeen = new Set<number>();
