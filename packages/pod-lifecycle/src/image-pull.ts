import { readFileSync } from 'node:fs';
import type { AuthConfig, DeepPartial, ImageServiceClient } from '@capstan/cri-api';
import { CapstanError, classify } from '@capstan/errdefs';
import {
  credentialsFor,
  type DockerConfigFormat,
  parseDockerConfig,
  type RegistryCredential,
} from '@capstan/image-id';
import { localObjectDir, localObjects } from './local-objects.js';
import type { LifecycleLogger } from './logger.js';
import { nsOf } from './pod-naming.js';
import type { Container, Pod } from './pod-types.js';

/** Where pull credentials come from. */
export interface PullCredentialOptions {
  /**
   * Local secrets (`<configDir>/secrets/<namespace>/<name>/<key>`): a pod's
   * `imagePullSecrets` name secrets holding `.dockerconfigjson` or `.dockercfg`.
   */
  configDir?: string;
  /** Node-wide logins (a Docker config.json), as the kubelet reads `<root-dir>/config.json`. */
  nodeConfigFile?: string;
}

/** What pulling needs from the runtime's image service. */
export interface ImagePullRuntime {
  image: Pick<ImageServiceClient, 'pullImage' | 'imageStatus'>;
}

/** A pull that failed; the message names what was tried, never a password. */
export class ImagePullError extends CapstanError {
  /** The container's waiting reason, as the kubelet words it. */
  readonly reason: 'ErrImagePull' | 'ErrImageNeverPull';
  /** Its kind is the cause's (a NOT_FOUND pull stays not-found); never-pull is a precondition. */
  constructor(
    message: string,
    options?: ErrorOptions & { reason?: 'ErrImagePull' | 'ErrImageNeverPull' },
  ) {
    const reason = options?.reason ?? 'ErrImagePull';
    super(
      reason === 'ErrImageNeverPull'
        ? 'failed-precondition'
        : options?.cause === undefined
          ? 'unavailable'
          : classify(options.cause),
      message,
      options,
    );
    this.reason = reason;
  }
}

const SECRET_KEYS: [string, DockerConfigFormat][] = [
  ['.dockerconfigjson', 'dockerconfigjson'],
  ['.dockercfg', 'dockercfg'],
];

/**
 * The logins a pod may use, its pull secrets first (in the order listed), then the node's.
 * As the kubelet does, a missing or unreadable secret is logged and skipped: the pull goes
 * on with what is left.
 */
export function podLogins(
  pod: Pod,
  o: PullCredentialOptions,
  logger: LifecycleLogger,
): RegistryCredential[] {
  const out: RegistryCredential[] = [];
  const secrets = localObjects(o.configDir);
  for (const ref of pod.spec.imagePullSecrets ?? []) {
    let found = false;
    for (const [key, format] of SECRET_KEYS) {
      const text = secrets.lookup('secrets', nsOf(pod), ref.name, key);
      if (text === undefined) continue;
      found = true;
      try {
        out.push(...parseDockerConfig(text, format));
      } catch (err) {
        logger.warn(
          { pod: pod.metadata.name, secret: ref.name, err: (err as Error).message },
          'image pull secret is unreadable; pulling without it',
        );
      }
    }
    if (!found) {
      logger.warn(
        {
          pod: pod.metadata.name,
          secret: ref.name,
          dir: localObjectDir(o.configDir, 'secrets', nsOf(pod), ref.name),
        },
        'image pull secret not found (no .dockerconfigjson or .dockercfg); pulling without it',
      );
    }
  }
  if (o.nodeConfigFile) {
    try {
      out.push(...parseDockerConfig(readFileSync(o.nodeConfigFile, 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        logger.warn(
          { file: o.nodeConfigFile, err: (err as Error).message },
          'node docker config unreadable',
        );
    }
  }
  return out;
}

// server_address stays empty: the login was already picked for this image's registry, and
// containerd 1.6 drops (or fails on) a login whose server_address is not a URL of that host.
const authConfig = (c: RegistryCredential): DeepPartial<AuthConfig> => ({
  username: c.username,
  password: c.password,
  auth: c.auth,
  identityToken: c.identityToken,
  registryToken: c.registryToken,
});

/**
 * Pulls `image` per the kubelet's rule: without credentials when no login matches its
 * registry, else with each matching login in turn (most specific first) until one works;
 * the last error is the answer.
 */
export async function pullImage(
  cri: ImagePullRuntime,
  image: string,
  logins: readonly RegistryCredential[],
): Promise<void> {
  const matching = credentialsFor(image, logins);
  if (matching.length === 0) {
    await cri.image.pullImage({ image: { image } });
    return;
  }
  let last: unknown;
  for (const login of matching) {
    try {
      await cri.image.pullImage({ image: { image }, auth: authConfig(login) });
      return;
    } catch (err) {
      last = err;
    }
  }
  const tried = matching.map((m) => `${m.serverAddress} (${m.username || 'token'})`).join(', ');
  throw new ImagePullError(
    `pulling ${image} with the logins for ${tried} failed: ${(last as Error).message}`,
    { cause: last },
  );
}

/** The pull policy's default: Always for `:latest` or no tag, IfNotPresent otherwise. */
export function pullPolicy(c: Container): string {
  return (
    c.imagePullPolicy ??
    (/:latest$|^[^:@]+$/.test(c.image.split('/').pop() ?? '') ? 'Always' : 'IfNotPresent')
  );
}

/** What {@link ensureImage} did, for the kubelet's Pulling and Pulled events. */
export interface EnsureImageHooks {
  /** The image was present and the policy did not ask for a pull. */
  present?(): void;
  /** A pull starts. */
  pulling?(): void;
  /** The pull succeeded after `ms`; `sizeBytes` as the runtime reports it (0 when unknown). */
  pulled?(ms: number, sizeBytes: number): void;
}

/** Makes `c.image` present per its pull policy, with the pod's logins. */
export async function ensureImage(
  cri: ImagePullRuntime,
  c: Container,
  logins: () => readonly RegistryCredential[],
  hooks: EnsureImageHooks = {},
): Promise<void> {
  const policy = pullPolicy(c);
  if (policy !== 'Always') {
    const present = (await cri.image.imageStatus({ image: { image: c.image } })).image;
    if (present) return hooks.present?.();
    if (policy === 'Never')
      throw new ImagePullError(
        `Container image "${c.image}" is not present with pull policy of Never`,
        { reason: 'ErrImageNeverPull' },
      );
  }
  hooks.pulling?.();
  const started = Date.now();
  await pullImage(cri, c.image, logins());
  if (hooks.pulled) {
    const ms = Date.now() - started;
    const size = (await cri.image.imageStatus({ image: { image: c.image } }).catch(() => undefined))
      ?.image?.size;
    hooks.pulled(ms, Number(size ?? 0));
  }
}
