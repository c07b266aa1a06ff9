#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { runCli } from './cli-program.js';

// `capstan-cri ps | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await runCli(process.argv.slice(2), processIo, process.env);
process.exitCode = code;
// Everything is closed by now; should a handle still hold the loop, do not hang the shell.
setTimeout(() => process.exit(code), 2_000).unref();
