import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';

const appDir = join(import.meta.dirname, '..', '..');

/** The agent as a child process inside the node's network namespace (as on a real node). */
export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  /** GET a path of the agent's status socket; JSON-decoded. */
  get<T = unknown>(path: string): Promise<T>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export function startAgent(opts: {
  netnsPath: string;
  configFile: string;
  statusSocket: string;
}): AgentProcess {
  const child = spawn(
    'nsenter',
    [
      `--net=${opts.netnsPath}`,
      '--',
      process.execPath,
      '--conditions=source',
      '--import',
      'tsx',
      join(appDir, 'src/main.ts'),
      '--config',
      opts.configFile,
    ],
    { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    get: (path) =>
      new Promise((resolve, reject) => {
        const req = request({ socketPath: opts.statusSocket, path, timeout: 5000 }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => {
            try {
              resolve(JSON.parse(body));
            } catch {
              resolve(body as never);
            }
          });
        });
        req.on('error', reject);
        req.end();
      }),
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
