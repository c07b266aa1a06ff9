// Pod churn through the agent's static pod directory: pods with a pod network, a
// readiness probe and (every other one) a hostPort are added and removed in a loop.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ChurnOptions {
  manifests: string;
  image: string;
  /** Pods that may exist at once. */
  maxPods: number;
  /** hostPort of pod i is hostPortBase + i (every odd i). */
  hostPortBase: number;
  random: () => number;
}

/** The pods the campaign wants, by manifest name. */
export class PodChurn {
  readonly desired = new Map<string, { hostPort?: number }>();
  private next = 0;

  constructor(private readonly o: ChurnOptions) {}

  /** One step: add a pod (or remove one when full, or at random). */
  step(): void {
    const remove =
      this.desired.size >= this.o.maxPods || (this.desired.size > 1 && this.o.random() < 0.4);
    if (remove) {
      const names = [...this.desired.keys()];
      this.remove(names[Math.floor(this.o.random() * names.length)] as string);
    } else {
      this.add();
    }
  }

  add(): string {
    const i = this.next++;
    const name = `churn-${i}`;
    const hostPort = i % 2 === 1 ? this.o.hostPortBase + (i % 1000) : undefined;
    const ports = hostPort ? `\n    ports: [{ containerPort: 8080, hostPort: ${hostPort} }]` : '';
    writeFileSync(
      join(this.o.manifests, `${name}.yaml`),
      `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: churn }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${this.o.image}${ports}
    readinessProbe:
      httpGet: { port: 8080, path: / }
      periodSeconds: 1
`,
    );
    this.desired.set(name, hostPort ? { hostPort } : {});
    return name;
  }

  remove(name: string): void {
    rmSync(join(this.o.manifests, `${name}.yaml`), { force: true });
    this.desired.delete(name);
  }

  removeAll(): void {
    for (const name of [...this.desired.keys()]) this.remove(name);
  }
}

/** A small seeded PRNG (mulberry32): the same seed, the same campaign. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
