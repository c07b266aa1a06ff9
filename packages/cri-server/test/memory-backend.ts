import type {
  ContainerLiveState,
  ContainerRecord,
  ImageBackend,
  RuntimeBackend,
  SandboxRecord,
} from '../src/index.js';

// An in-memory runtime for unit tests of the server's own logic (names, state machines,
// idempotency, persistence, recovery). The real-runtime tests are docker-shim's.

export class MemoryBackend implements RuntimeBackend {
  readonly runtimeName = 'memory';
  readonly runtimeVersion = '0.0.1';
  readonly calls: string[] = [];
  sandboxes = new Set<string>();
  containers = new Map<string, ContainerLiveState>();
  pulls = 0;
  failRunSandbox = false;
  readonly imageSet = new Map<string, string>([['busybox:1', 'sha256:aaa']]);

  async status() {
    return [{ type: 'RuntimeReady', status: true, reason: '', message: '' }];
  }
  async runSandbox(spec: { id: string }) {
    this.calls.push(`runSandbox ${spec.id.slice(0, 4)}`);
    if (this.failRunSandbox) throw new Error('infra container failed');
    this.sandboxes.add(spec.id);
    return { backend: { infra: `infra-${spec.id.slice(0, 4)}` } };
  }
  async stopSandbox(s: SandboxRecord) {
    this.calls.push(`stopSandbox ${s.id.slice(0, 4)}`);
  }
  async removeSandbox(s: SandboxRecord) {
    this.calls.push(`removeSandbox ${s.id.slice(0, 4)}`);
    this.sandboxes.delete(s.id);
  }
  async sandboxRunning(s: SandboxRecord) {
    return this.sandboxes.has(s.id);
  }
  async createContainer(spec: { id: string }) {
    this.calls.push(`createContainer ${spec.id.slice(0, 4)}`);
    this.containers.set(spec.id, { state: 'created' });
    return { backend: {} };
  }
  async startContainer(c: ContainerRecord) {
    this.calls.push(`startContainer ${c.id.slice(0, 4)}`);
    this.containers.set(c.id, { state: 'running', startedAt: 1n });
  }
  async stopContainer(c: ContainerRecord) {
    this.calls.push(`stopContainer ${c.id.slice(0, 4)}`);
    if (this.containers.has(c.id))
      this.containers.set(c.id, {
        state: 'exited',
        exitCode: 137,
        reason: 'Error',
        finishedAt: 2n,
      });
  }
  async removeContainer(c: ContainerRecord) {
    this.calls.push(`removeContainer ${c.id.slice(0, 4)}`);
    this.containers.delete(c.id);
  }
  async containerStates(cs: readonly ContainerRecord[]) {
    return new Map(
      cs.flatMap((c) =>
        this.containers.has(c.id) ? [[c.id, this.containers.get(c.id)!] as const] : [],
      ),
    );
  }
  async execSync(_c: ContainerRecord, cmd: string[]) {
    return { stdout: Buffer.from(cmd.join(' ')), stderr: Buffer.alloc(0), exitCode: 0 };
  }
  /** How long updateContainerResources takes (to race it against other calls). */
  updateDelayMs = 0;
  async updateContainerResources(c: ContainerRecord) {
    this.calls.push(`updateContainerResources ${c.id.slice(0, 4)}`);
    await new Promise((r) => setTimeout(r, this.updateDelayMs));
  }
  async reopenContainerLog() {}
  async inventory() {
    return { sandboxIds: [...this.sandboxes], containerIds: [...this.containers.keys()] };
  }
  readonly images: ImageBackend = {
    pull: async (ref) => {
      this.pulls++;
      await new Promise((r) => setTimeout(r, 50));
      const id = this.imageSet.get(ref) ?? `sha256:${ref.length}`;
      this.imageSet.set(ref, id);
      return id;
    },
    status: async (ref) => {
      const id = this.imageSet.get(ref);
      return id ? { id, repoTags: [ref], repoDigests: [], size: 1n } : undefined;
    },
    list: async () => [...this.imageSet].map(([ref, id]) => ({ id, repoTags: [ref] })),
    remove: async (ref) => {
      this.imageSet.delete(ref);
    },
    fsInfo: async () => [{ fsId: { mountpoint: '/' }, usedBytes: { value: 1n } }],
  };
}
