import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { ContainerState } from '@capstan/cri-api';
import type { ConformanceTest } from './suite-types.js';

/** `<RFC3339Nano> <stream> <P|F> <text>`: the CRI log line format. */
const LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)) (stdout|stderr) (P|F) (.*)$/;

function parse(log: string) {
  return log
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const m = LINE.exec(l);
      assert.ok(m, `not a CRI log line: ${JSON.stringify(l.slice(0, 120))}`);
      return { time: m[1]!, stream: m[4]!, tag: m[5]!, text: m[6]! };
    });
}

export const logTests: ConformanceTest[] = [
  {
    category: 'logs',
    name: 'log lines are in the CRI format at log_directory/log_path, both streams',
    async run(t) {
      const pod = await t.runPod();
      const cfg = t.containerConfig('fmt', {
        command: ['sh', '-c', 'echo one; echo two >&2; echo three'],
      });
      const id = await t.startContainer(pod, cfg);
      await t.waitExited(id);
      const { status } = await t.runtime.containerStatus({ containerId: id });
      assert.equal(status?.logPath, t.logPathOf(pod, cfg));
      const lines = parse(readFileSync(t.logPathOf(pod, cfg), 'utf8'));
      assert.deepEqual(lines.map((l) => `${l.stream} ${l.tag} ${l.text}`).sort(), [
        'stderr F two',
        'stdout F one',
        'stdout F three',
      ]);
      assert.ok(lines.every((l) => !Number.isNaN(Date.parse(l.time))));
    },
  },
  {
    category: 'logs',
    name: 'a long line is split into partial lines that join back',
    async run(t) {
      const pod = await t.runPod();
      const n = 100_000;
      const cfg = t.containerConfig('long', {
        command: ['sh', '-c', `head -c ${n} /dev/zero | tr "\\0" a; echo`],
      });
      const id = await t.startContainer(pod, cfg);
      await t.waitExited(id);
      const lines = parse(readFileSync(t.logPathOf(pod, cfg), 'utf8')).filter(
        (l) => l.stream === 'stdout',
      );
      assert.ok(lines.length > 1, 'a 100 kB line was not split');
      assert.ok(
        lines.slice(0, -1).every((l) => l.tag === 'P'),
        'all but the last piece must be P',
      );
      assert.equal(lines.at(-1)?.tag, 'F');
      assert.equal(lines.map((l) => l.text).join(''), 'a'.repeat(n));
    },
  },
  {
    category: 'logs',
    name: 'ReopenContainerLog starts a new file after rotation',
    async run(t) {
      const pod = await t.runPod();
      const cfg = t.containerConfig('rotate', {
        command: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo line-$i; sleep 0.1; done'],
      });
      const id = await t.startContainer(pod, cfg);
      await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
      const path = t.logPathOf(pod, cfg);
      await waitFor(() => existsSync(path) && readFileSync(path, 'utf8').includes('line-3'));
      renameSync(path, `${path}.1`);
      await t.runtime.reopenContainerLog({ containerId: id });
      await waitFor(() => existsSync(path) && parse(readFileSync(path, 'utf8')).length >= 2);
      const fresh = parse(readFileSync(path, 'utf8'));
      const old = parse(readFileSync(`${path}.1`, 'utf8'));
      const num = (s: string) => Number(s.replace('line-', ''));
      assert.ok(
        num(fresh[0]!.text) > num(old[0]!.text),
        'the new file does not continue the output',
      );
    },
  },
];

async function waitFor(cond: () => boolean, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
