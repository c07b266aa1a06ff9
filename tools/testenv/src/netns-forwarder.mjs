// The in-namespace half of the registry bridge (see registry-bridge.ts): run under
// `nsenter --net=/run/netns/<ns> node netns-forwarder.mjs <host> <port> <unix socket>`, it listens on
// <host>:<port> inside the namespace and forwards every TCP connection to the unix socket,
// which the test process serves in the host namespace (a socket file is reachable from
// any network namespace). Prints `listening <host>:<port>` once bound; exits on SIGTERM.
import { connect, createServer } from 'node:net';

const [host, portText, socketPath] = process.argv.slice(2);
const port = Number(portText);
if (host === undefined || !Number.isInteger(port) || socketPath === undefined) {
  process.stderr.write('usage: netns-forwarder.mjs <host> <port> <unix socket>\n');
  process.exit(2);
}

/** Pipes both ways (half-closes pass through); an error or close on one side ends both. */
function splice(a, b) {
  const done = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', done);
  b.on('error', done);
  a.on('close', done);
  b.on('close', done);
  a.pipe(b);
  b.pipe(a);
}

const server = createServer({ allowHalfOpen: true }, (client) => {
  splice(client, connect({ path: socketPath, allowHalfOpen: true }));
});
server.on('error', (err) => {
  process.stderr.write(`forwarder: ${err.message}\n`);
  process.exit(1);
});
server.listen(port, host, () => {
  process.stdout.write(`listening ${host}:${port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
