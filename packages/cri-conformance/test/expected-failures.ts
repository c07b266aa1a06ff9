/**
 * Tests containerd 1.6.20 (Debian 12) fails, each with the reason seen. Asserted by
 * containerd.test.ts and listed in the README.
 */
export const EXPECTED_FAILURES_CONTAINERD: Record<string, string> = {
  'runtime/RuntimeConfig reports the cgroup driver':
    'containerd 1.6 does not implement the RuntimeConfig RPC (UNIMPLEMENTED: "unknown method RuntimeConfig"); it arrived in containerd 1.7.',
  'image/ListImages lists pulled images, and filters by reference':
    'containerd 1.6 ignores ListImagesRequest.filter and returns every image.',
  'sandbox/StopPodSandbox and RemovePodSandbox are idempotent':
    'containerd 1.6 answers NOT_FOUND ("an error occurred when try to find sandbox") to StopPodSandbox of a sandbox already removed; the CRI contract says a repeated stop must not fail once resources are reclaimed.',
  'bad-input/a sandbox name already in use gives ALREADY_EXISTS':
    'containerd 1.6 rejects the duplicate name ("failed to reserve sandbox name") but with gRPC status UNKNOWN, not ALREADY_EXISTS.',
  'bad-input/a container name already in use in the pod gives ALREADY_EXISTS':
    'containerd 1.6 rejects the duplicate name ("failed to reserve container name") but with gRPC status UNKNOWN, not ALREADY_EXISTS.',
};

/**
 * Tests Capstan's docker shim (apps/docker-shim over Debian 12's dockerd 20.10) fails, each
 * with the reason; asserted by docker-shim.test.ts and listed in the app's README. Each one
 * also fails on containerd (EXPECTED_FAILURES_CONTAINERD).
 */
export const EXPECTED_FAILURES_DOCKER_SHIM: Record<string, string> = {};
