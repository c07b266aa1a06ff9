import { EventEmitter } from 'node:events';
import type { ContainerEventType } from '@capstan/cri-api';
import type { PodNetwork, RuntimeBackend } from './backend.js';
import type { KeyedMutex } from './keyed-mutex.js';
import type { Logger } from './logger.js';
import type { NameRegistrar } from './names.js';
import type { StateStore } from './state-store.js';

/** A container lifecycle event, as GetContainerEvents streams it. */
export interface LifecycleEvent {
  containerId: string;
  type: ContainerEventType;
  createdAt: bigint;
}

/** What every handler works with. */
export interface Core {
  store: StateStore;
  names: NameRegistrar;
  backend: RuntimeBackend;
  network: PodNetwork | undefined;
  logger: Logger;
  locks: KeyedMutex;
  events: EventEmitter<{ event: [LifecycleEvent] }>;
}

export function newEvents(): Core['events'] {
  const e = new EventEmitter<{ event: [LifecycleEvent] }>();
  e.setMaxListeners(0);
  return e;
}
