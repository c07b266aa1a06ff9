import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a kubeconfig for the pod API holds. */
export interface KubeconfigSpec {
  /** `http://127.0.0.1:<port>` or `https://...`. */
  server: string;
  /** Bearer token of the TCP listener. */
  token?: string;
  /** PEM of the CA (or self-signed certificate) of an https server. */
  certificateAuthority?: string | Buffer;
  /** The context's default namespace. Default `default`. */
  namespace?: string;
  /** Name of the cluster, user and context. Default `capstan`. */
  name?: string;
}

/** The kubeconfig document (JSON, which kubectl reads as YAML). */
export function kubeconfigOf(spec: KubeconfigSpec): unknown {
  const name = spec.name ?? 'capstan';
  const ca = spec.certificateAuthority;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name,
        cluster: {
          server: spec.server,
          ...(ca === undefined
            ? {}
            : { 'certificate-authority-data': Buffer.from(ca).toString('base64') }),
        },
      },
    ],
    users: [{ name, user: spec.token === undefined ? {} : { token: spec.token } }],
    contexts: [
      { name, context: { cluster: name, user: name, namespace: spec.namespace ?? 'default' } },
    ],
    'current-context': name,
  };
}

/** Writes a kubeconfig atomically with mode 0600 (it holds the token). */
export async function writeKubeconfigFile(path: string, spec: KubeconfigSpec): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(kubeconfigOf(spec), null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
