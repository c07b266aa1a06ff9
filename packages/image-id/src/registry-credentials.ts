import { ImageIdError } from './errors.js';
import { parseNormalizedReference } from './reference-parse.js';

/**
 * One registry login from a Docker config (`~/.docker/config.json`, a Kubernetes
 * `kubernetes.io/dockerconfigjson` or `kubernetes.io/dockercfg` secret), in the shape of the
 * CRI `AuthConfig` message.
 */
export interface RegistryCredential {
  /** The config key as written (`registry.example.com`, `https://index.docker.io/v1/`, ...). */
  serverAddress: string;
  username: string;
  password: string;
  /** `base64(username:password)`, as the config holds it (empty when it had none). */
  auth: string;
  identityToken: string;
  registryToken: string;
}

/** Why a Docker config could not be read (see {@link DockerConfigError}). */
export type DockerConfigErrorReason =
  /** Not JSON. */
  | 'not-json'
  /** JSON, but not an object of `auths` (or, for `.dockercfg`, of registries). */
  | 'not-an-object'
  /** An entry is not an object, or a field of it not a string. */
  | 'bad-entry'
  /** An `auth` field that is not base64 of `user:password`. */
  | 'bad-auth';

/** A Docker config (or a dockerconfigjson / dockercfg secret) that cannot be read. */
export class DockerConfigError extends ImageIdError {
  readonly reason: DockerConfigErrorReason;
  /** The registry key of the bad entry, when one entry is at fault. */
  readonly registry: string | undefined;
  constructor(reason: DockerConfigErrorReason, message: string, registry?: string) {
    super('invalid-argument', message);
    this.reason = reason;
    this.registry = registry;
  }
}

/** The formats a registry login file comes in. */
export type DockerConfigFormat =
  /** `{"auths": {"<registry>": {...}}}`: config.json and `.dockerconfigjson` secrets. */
  | 'dockerconfigjson'
  /** `{"<registry>": {...}}`: the legacy `.dockercfg` (and `kubernetes.io/dockercfg`). */
  | 'dockercfg';

const FIELDS = ['username', 'password', 'auth', 'identitytoken', 'registrytoken', 'email'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads the logins of a Docker config. An `auth` field is decoded into username and
 * password when those are not given; keys are kept as written (see {@link credentialsFor}
 * for how they match images). Throws {@link DockerConfigError} on anything malformed.
 */
export function parseDockerConfig(
  text: string | Uint8Array,
  format: DockerConfigFormat = 'dockerconfigjson',
): RegistryCredential[] {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (err) {
    throw new DockerConfigError('not-json', `docker config is not JSON: ${(err as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(doc))
    throw new DockerConfigError('not-an-object', 'docker config is not an object');
  const auths = format === 'dockerconfigjson' ? (doc.auths ?? {}) : doc;
  if (!isObject(auths))
    throw new DockerConfigError('not-an-object', 'docker config "auths" is not an object');
  const out: RegistryCredential[] = [];
  for (const [key, entry] of Object.entries(auths)) {
    if (!isObject(entry))
      throw new DockerConfigError('bad-entry', `docker config entry ${key} is not an object`, key);
    for (const f of FIELDS) {
      if (entry[f] !== undefined && typeof entry[f] !== 'string') {
        throw new DockerConfigError(
          'bad-entry',
          `docker config entry ${key}: ${f} is not a string`,
          key,
        );
      }
    }
    const s = (f: string) => (entry[f] as string | undefined) ?? '';
    let username = s('username');
    let password = s('password');
    const auth = s('auth');
    if (auth && !username && !password) {
      const decoded = BASE64.test(auth) ? Buffer.from(auth, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new DockerConfigError(
          'bad-auth',
          `docker config entry ${key}: auth is not base64 of "user:password"`,
          key,
        );
      }
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    out.push({
      serverAddress: key,
      username,
      password,
      auth,
      identityToken: s('identitytoken'),
      registryToken: s('registrytoken'),
    });
  }
  return out;
}

/** A config key as host (lower case), port and path, the way the kubelet's keyring reads it. */
function parseKey(key: string): { host: string; port: string; path: string } | undefined {
  let k = key.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(k);
  if (scheme) k = k.slice(scheme[0].length);
  const slash = k.indexOf('/');
  let hostPort = slash < 0 ? k : k.slice(0, slash);
  let path = slash < 0 ? '' : k.slice(slash + 1);
  path = path.replace(/\/+$/, '');
  // Docker Hub's historical key, and the API version paths registries' keys carry.
  if (/^v[12]$/.test(path)) path = '';
  hostPort = hostPort.toLowerCase();
  if (hostPort === 'index.docker.io' || hostPort === 'registry-1.docker.io') hostPort = 'docker.io';
  const m = /^(.*?)(?::(\d+))?$/.exec(hostPort);
  if (!m?.[1]) return undefined;
  return { host: m[1], port: m[2] ?? '', path };
}

/** Host glob as the kubelet matches them: `*` stands for exactly one DNS label. */
function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  return p.every((label, i) => {
    if (!label.includes('*')) return label === h[i];
    const re = new RegExp(`^${label.split('*').map(escapeRe).join('[^.]*')}$`);
    return re.test(h[i] ?? '');
  });
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The logins that apply to `image`, most specific first, as the kubelet's keyring picks
 * them: a key matches when its host (globs allowed, `*` one DNS label) and port equal the
 * image's registry and its path, if any, is a prefix of the repository path at a `/`
 * boundary; `index.docker.io`, `registry-1.docker.io` and `https://index.docker.io/v1/`
 * all mean Docker Hub. Longer keys come first; the caller tries them in order (the kubelet
 * returns the last error when none works). An image that is not a valid reference matches
 * nothing.
 */
export function credentialsFor(
  image: string,
  logins: readonly RegistryCredential[],
): RegistryCredential[] {
  let domain: string;
  let path: string;
  try {
    const ref = parseNormalizedReference(image);
    domain = ref.domain.toLowerCase();
    path = ref.path;
  } catch {
    return [];
  }
  const m = /^(.*?)(?::(\d+))?$/.exec(domain);
  const host = m?.[1] ?? domain;
  const port = m?.[2] ?? '';
  const scored: { login: RegistryCredential; score: number; order: number }[] = [];
  logins.forEach((login, order) => {
    const key = parseKey(login.serverAddress);
    if (!key || key.port !== port || !hostMatches(key.host, host)) return;
    if (key.path && path !== key.path && !path.startsWith(`${key.path}/`)) return;
    scored.push({ login, score: key.host.length + key.path.length, order });
  });
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  return scored.map((s) => s.login);
}
