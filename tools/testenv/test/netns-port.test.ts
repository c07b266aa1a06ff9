import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exposeNetnsPort } from '../src/index.js';
import { freePort } from '../src/net-free-port.js';
import { createNetns, deleteNetns, type NamedNetns, processesInNetns } from '../src/netns.js';

// exposeNetnsPort: a server on 127.0.0.1:<port> inside a netns answers on our loopback.

let ns: NamedNetns;
const dir = mkdtempSync(join(tmpdir(), 'netns-port-'));
const servers: number[] = [];

/** An echo server ("<ns>:" + each chunk upper-cased) on 127.0.0.1:port inside the netns. */
function echoInNetns(port: number): Promise<void> {
  const code = `require('net').createServer(c=>c.on('data',d=>c.write('ns:'+String(d).toUpperCase()))).listen(${port},'127.0.0.1',()=>console.log('up'))`;
  const p = spawn('nsenter', [`--net=${ns.path}`, '--', process.execPath, '-e', code]);
  servers.push(p.pid!);
  return new Promise((resolve, reject) => {
    p.stdout.once('data', () => resolve());
    p.once('exit', (c) => reject(new Error(`echo server exited ${c}`)));
  });
}

function talk(port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(msg));
    s.once('data', (d) => {
      s.destroy();
      resolve(String(d));
    });
    s.once('error', reject);
  });
}

beforeAll(async () => {
  ns = await createNetns('capstan-test-port');
});
afterAll(async () => {
  for (const pid of servers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await deleteNetns(ns);
  rmSync(dir, { recursive: true, force: true });
});

it('relays 127.0.0.1:<port> of the netns to our loopback, and stops when closed', async () => {
  const port = await freePort();
  await echoInNetns(port);
  const exposed = await exposeNetnsPort({ port, netns: ns.name, netnsPath: ns.path, dir });
  expect(exposed.host).toBe(`127.0.0.1:${port}`);
  expect(await talk(port, 'hello')).toBe('ns:HELLO');
  expect(await talk(port, 'again')).toBe('ns:AGAIN');
  const before = processesInNetns(statSync(ns.path).ino).length;
  await exposed.close();
  await expect(talk(port, 'x')).rejects.toThrow(/ECONNREFUSED/);
  // The forwarder left the netns; only the echo server is in it.
  expect(processesInNetns(statSync(ns.path).ino).length).toBe(before - 1);
});

it('fails with the cause when the port is taken here', async () => {
  const port = await freePort();
  const { createServer } = await import('node:net');
  const blocker = createServer().listen(port, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  try {
    await expect(
      exposeNetnsPort({ port, netns: ns.name, netnsPath: ns.path, dir }),
    ).rejects.toThrow(/EADDRINUSE/);
  } finally {
    blocker.close();
  }
});
