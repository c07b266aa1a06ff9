// CRI calls in illegal orders: each scenario makes a labelled sandbox (and container),
// then calls what the state forbids. Every call must answer with a status; the steps the
// CRI contract settles (a removed sandbox's containers are gone, a stopped container runs
// nothing) must fail.
import { CapstanError, type CriClient, type PodSandboxConfig } from '@capstan/cri-api';
import type { FuzzWorld } from './fuzz-cri-values.js';
import { runFuzzContainer, runFuzzSandbox } from './fuzz-cri-world.js';
import type { Rng } from './fuzz-rng.js';

/** What a step answered: `ok` or an error kind; `lost` when the client got no answer. */
export type StepAnswer = string;

export interface OrderStep {
  name: string;
  answer: StepAnswer;
  /** The contract says this must fail, and it succeeded. */
  violation?: string;
}

type Sandbox = { id: string; config: PodSandboxConfig };
type Ctx = {
  cri: CriClient;
  w: FuzzWorld;
  n: number;
  step(name: string, call: () => Promise<unknown>, mustFail?: string): Promise<string>;
};

const UNKNOWN = () => 'e'.repeat(64);

const SCENARIOS: Record<string, (c: Ctx) => Promise<void>> = {
  async 'start a container of a removed sandbox'(c) {
    const s = await runFuzzSandbox(c.cri, c.w, `order-${c.n}`);
    const id = await runFuzzContainer(c.cri, c.w, s, `order-${c.n}`, false);
    await c.step('StopPodSandbox', () => c.cri.runtime.stopPodSandbox({ podSandboxId: s.id }));
    await c.step('RemovePodSandbox', () => c.cri.runtime.removePodSandbox({ podSandboxId: s.id }));
    await c.step(
      'StartContainer (removed sandbox)',
      () => c.cri.runtime.startContainer({ containerId: id }),
      'the container of a removed sandbox started',
    );
    await c.step(
      'CreateContainer (removed sandbox)',
      () => createIn(c, s),
      'a container was created in a removed sandbox',
    );
    await c.step(
      'ContainerStatus (removed sandbox)',
      () => c.cri.runtime.containerStatus({ containerId: id }),
      'a removed sandbox still has its container',
    );
  },
  async 'remove twice'(c) {
    const s = await runFuzzSandbox(c.cri, c.w, `order-${c.n}`);
    const id = await runFuzzContainer(c.cri, c.w, s, `order-${c.n}`);
    for (let i = 0; i < 2; i++) {
      await c.step(`StopContainer #${i + 1}`, () =>
        c.cri.runtime.stopContainer({ containerId: id, timeout: 0n }),
      );
      await c.step(`RemoveContainer #${i + 1}`, () =>
        c.cri.runtime.removeContainer({ containerId: id }),
      );
    }
    for (let i = 0; i < 2; i++) {
      await c.step(`StopPodSandbox #${i + 1}`, () =>
        c.cri.runtime.stopPodSandbox({ podSandboxId: s.id }),
      );
      await c.step(`RemovePodSandbox #${i + 1}`, () =>
        c.cri.runtime.removePodSandbox({ podSandboxId: s.id }),
      );
    }
    await c.step(
      'StartContainer (removed)',
      () => c.cri.runtime.startContainer({ containerId: id }),
      'a removed container started',
    );
  },
  async 'stop and inspect unknown IDs'(c) {
    await c.step('StopContainer (unknown)', () =>
      c.cri.runtime.stopContainer({ containerId: UNKNOWN(), timeout: 0n }),
    );
    await c.step('StopPodSandbox (unknown)', () =>
      c.cri.runtime.stopPodSandbox({ podSandboxId: UNKNOWN() }),
    );
    await c.step('RemoveContainer (unknown)', () =>
      c.cri.runtime.removeContainer({ containerId: UNKNOWN() }),
    );
    await c.step(
      'ContainerStatus (unknown)',
      () => c.cri.runtime.containerStatus({ containerId: UNKNOWN() }),
      'an unknown container has a status',
    );
    await c.step(
      'PodSandboxStatus (unknown)',
      () => c.cri.runtime.podSandboxStatus({ podSandboxId: UNKNOWN() }),
      'an unknown sandbox has a status',
    );
    await c.step(
      'ExecSync (unknown)',
      () => c.cri.runtime.execSync({ containerId: UNKNOWN(), cmd: ['true'], timeout: 5n }),
      'exec ran in an unknown container',
    );
  },
  async 'exec on a stopped container'(c) {
    const s = await runFuzzSandbox(c.cri, c.w, `order-${c.n}`);
    const id = await runFuzzContainer(c.cri, c.w, s, `order-${c.n}`);
    await c.step('StopContainer', () =>
      c.cri.runtime.stopContainer({ containerId: id, timeout: 0n }),
    );
    await c.step(
      'ExecSync (stopped)',
      () => c.cri.runtime.execSync({ containerId: id, cmd: ['true'], timeout: 5n }),
      'ExecSync ran in a stopped container',
    );
    await c.step(
      'Exec (stopped)',
      () => c.cri.runtime.exec({ containerId: id, cmd: ['true'], stdout: true }),
      'Exec gave a URL for a stopped container',
    );
    await c.step('Attach (stopped)', () => c.cri.runtime.attach({ containerId: id, stdout: true }));
    await c.step(
      'StartContainer (exited)',
      () => c.cri.runtime.startContainer({ containerId: id }),
      'an exited container started again',
    );
    await c.step('UpdateContainerResources (stopped)', () =>
      c.cri.runtime.updateContainerResources({ containerId: id, linux: { cpuShares: 256n } }),
    );
  },
  async 'start twice, remove while running'(c) {
    const s = await runFuzzSandbox(c.cri, c.w, `order-${c.n}`);
    const id = await runFuzzContainer(c.cri, c.w, s, `order-${c.n}`);
    await c.step(
      'StartContainer (running)',
      () => c.cri.runtime.startContainer({ containerId: id }),
      'a running container started twice',
    );
    await c.step('RemoveContainer (running)', () =>
      c.cri.runtime.removeContainer({ containerId: id }),
    );
    await c.step('RemovePodSandbox (not stopped)', () =>
      c.cri.runtime.removePodSandbox({ podSandboxId: s.id }),
    );
    await c.step('PortForward (removed sandbox)', () =>
      c.cri.runtime.portForward({ podSandboxId: s.id, port: [80] }),
    );
  },
  async 'create in a stopped sandbox'(c) {
    const s = await runFuzzSandbox(c.cri, c.w, `order-${c.n}`);
    await c.step('StopPodSandbox', () => c.cri.runtime.stopPodSandbox({ podSandboxId: s.id }));
    await c.step('CreateContainer (stopped sandbox)', () => createIn(c, s));
    await c.step('RunPodSandbox (same name again)', () =>
      runFuzzSandbox(c.cri, c.w, `order-${c.n}`),
    );
  },
};

async function createIn(c: Ctx, s: Sandbox): Promise<unknown> {
  return runFuzzContainer(c.cri, c.w, s, `late-${c.n}`, false);
}

/** Runs one random scenario; `lost` marks a step without an answer (the caller probes). */
export async function runOrderScenario(
  cri: CriClient,
  w: FuzzWorld,
  rng: Rng,
  n: number,
): Promise<{ name: string; steps: OrderStep[] }> {
  const name = rng.pick(Object.keys(SCENARIOS));
  const steps: OrderStep[] = [];
  const ctx: Ctx = {
    cri,
    w,
    n,
    async step(stepName, call, mustFail) {
      let answer = 'ok';
      try {
        await call();
      } catch (err) {
        answer = err instanceof CapstanError ? err.kind : `lost: ${(err as Error).message}`;
      }
      steps.push({
        name: stepName,
        answer,
        ...(answer === 'ok' && mustFail ? { violation: mustFail } : {}),
      });
      return answer;
    },
  };
  try {
    await SCENARIOS[name]!(ctx);
  } catch (err) {
    // A setup step (make a sandbox or container) failed: the scenario says so and stops.
    steps.push({
      name: 'setup',
      answer: err instanceof CapstanError ? `setup ${err.kind}` : `lost: ${(err as Error).message}`,
    });
  }
  return { name, steps };
}
