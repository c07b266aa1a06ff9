import { describe, expect, it } from 'vitest';
import type { Pod } from './pod-types.js';
import { verifyRunAsNonRoot } from './run-as-non-root.js';

const img = (uid: bigint | undefined, user: string) => async () => ({ uid, user });

const pod = (sc: Record<string, unknown> = {}, podSc: Record<string, unknown> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'c', image: 'i', securityContext: sc }], securityContext: podSc },
});

describe('verifyRunAsNonRoot', () => {
  it('lets anything run without runAsNonRoot', async () => {
    const p = pod();
    expect(await verifyRunAsNonRoot(p, p.spec.containers[0]!, img(0n, ''))).toBeUndefined();
  });
  it('refuses a root image under runAsNonRoot with the kubelet message', async () => {
    const p = pod({ runAsNonRoot: true });
    expect(await verifyRunAsNonRoot(p, p.spec.containers[0]!, img(0n, ''))).toBe(
      'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)',
    );
  });
  it("takes the pod's runAsNonRoot and a container's runAsUser", async () => {
    const p = pod({ runAsUser: 1000 }, { runAsNonRoot: true });
    expect(await verifyRunAsNonRoot(p, p.spec.containers[0]!, img(0n, ''))).toBeUndefined();
    const q = pod({ runAsUser: 0 }, { runAsNonRoot: true });
    expect(await verifyRunAsNonRoot(q, q.spec.containers[0]!, img(1000n, ''))).toMatch(
      /^container's runAsUser breaks non-root policy/,
    );
  });
  it('cannot verify a non-numeric image user; a numeric non-root one runs', async () => {
    const p = pod({ runAsNonRoot: true });
    expect(await verifyRunAsNonRoot(p, p.spec.containers[0]!, img(undefined, 'nobody'))).toMatch(
      /non-numeric user \(nobody\), cannot verify user is non-root/,
    );
    expect(await verifyRunAsNonRoot(p, p.spec.containers[0]!, img(65534n, ''))).toBeUndefined();
  });
});
