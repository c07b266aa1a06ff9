import { expect, it } from 'vitest';
import { GenericPleg } from './pleg-generic.js';
import { LABEL_MANAGED, LABEL_POD_UID } from './pod-naming.js';

// The generic PLEG's bookkeeping (pure logic: the runtime is a list answer).

const labels = (uid: string) => ({ [LABEL_POD_UID]: uid, [LABEL_MANAGED]: 'n1' });

it('routes containers of the latest relist only, and kicks pods whose state changed', async () => {
  let sandboxes = [{ id: 's1', state: 0, labels: labels('u1') }];
  let containers = [
    { id: 'c1', state: 1, labels: labels('u1') },
    { id: 'c2', state: 1, labels: labels('u1') },
  ];
  const kicked: string[] = [];
  const pleg = new GenericPleg({
    runtime: {
      listPodSandbox: async () => ({ items: sandboxes }),
      listContainers: async () => ({ containers }),
    } as never,
    agentId: 'n1',
    kick: (uid) => kicked.push(uid),
    known: () => true,
    logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
  });
  await pleg.relist();
  expect(kicked).toEqual(['u1']);
  expect(pleg.uidOf('c1')).toBe('u1');
  // c1 removed, c3 started: the churn of a node running for months must not pile up IDs.
  containers = [
    { id: 'c2', state: 1, labels: labels('u1') },
    { id: 'c3', state: 1, labels: labels('u1') },
  ];
  await pleg.relist();
  expect(kicked).toEqual(['u1', 'u1']);
  expect(pleg.uidOf('c1')).toBeUndefined();
  expect(pleg.uidOf('c3')).toBe('u1');
  await pleg.relist();
  expect(kicked).toHaveLength(2);
  sandboxes = [];
  containers = [];
  await pleg.relist();
  expect(pleg.uidOf('c2')).toBeUndefined();
  expect(kicked).toEqual(['u1', 'u1', 'u1']);
});
