// The in-namespace half of a netns bridge (registry-bridge.ts, netns-port.ts), run under
// `nsenter --net=/run/netns/<ns> node netns-forwarder.mjs ...`; a socket file is reachable
// from any network namespace, so a unix socket joins the two halves.
//   netns-forwarder.mjs <host> <port> <unix socket>
//     listens on <host>:<port> inside the namespace, forwards each connection to the socket
//     (which the caller serves in its own namespace);
//   netns-forwarder.mjs --reverse <unix socket> <host> <port>
//     listens on the socket, forwards each connection to <host>:<port> inside the namespace.
// Prints `listening <address>` once bound; exits on SIGTERM.
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const argv = process.argv.slice(2);
const reverse = argv[0] === '--reverse';
const [host, portText, socketPath] = reverse ? [argv[2], argv[3], argv[1]] : argv;
const port = Number(portText);
if (host === undefined || !Number.isInteger(port) || socketPath === undefined) {
  process.stderr.write(
    'usage: netns-forwarder.mjs <host> <port> <unix socket>\n' +
      '       netns-forwarder.mjs --reverse <unix socket> <host> <port>\n',
  );
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

const target = reverse ? { host, port } : { path: socketPath };
const server = createServer({ allowHalfOpen: true }, (client) => {
  splice(client, connect({ ...target, allowHalfOpen: true }));
});
server.on('error', (err) => {
  process.stderr.write(`forwarder: ${err.message}\n`);
  process.exit(1);
});
const bound = () => process.stdout.write(`listening ${reverse ? socketPath : `${host}:${port}`}\n`);
if (reverse) {
  rmSync(socketPath, { force: true });
  server.listen(socketPath, bound);
} else {
  server.listen(port, host, bound);
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
