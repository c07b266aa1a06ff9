import { formatPod } from './events.js';
import type { Container, Pod } from './pod-types.js';

/**
 * The kubelet's verifyRunAsNonRoot: with runAsNonRoot (the container's, else the pod's),
 * a container must not run as uid 0, and an image user that is not numeric cannot be
 * verified. Returns the CreateContainerConfigError message, or undefined when it may run.
 * `imageUserOf` reads the image's default user (CRI ImageStatus), only when it matters.
 */
export async function verifyRunAsNonRoot(
  pod: Pod,
  c: Container,
  imageUserOf: () => Promise<{ uid: bigint | undefined; user: string }>,
): Promise<string | undefined> {
  const podSc = pod.spec.securityContext as
    | { runAsNonRoot?: boolean; runAsUser?: number }
    | undefined;
  const nonRoot = c.securityContext?.runAsNonRoot ?? podSc?.runAsNonRoot;
  if (!nonRoot) return undefined;
  const who = `(pod: "${formatPod(pod)}", container: ${c.name})`;
  const runAsUser = c.securityContext?.runAsUser ?? podSc?.runAsUser;
  if (runAsUser !== undefined) {
    return runAsUser === 0 ? `container's runAsUser breaks non-root policy ${who}` : undefined;
  }
  const { uid: imageUid, user: imageUser } = await imageUserOf();
  if (imageUid !== undefined && imageUid === 0n)
    return `container has runAsNonRoot and image will run as root ${who}`;
  if (imageUid === undefined && imageUser !== '')
    return `container has runAsNonRoot and image has non-numeric user (${imageUser}), cannot verify user is non-root ${who}`;
  // An image that names no user runs as root.
  if (imageUid === undefined) return `container has runAsNonRoot and image will run as root ${who}`;
  return undefined;
}
