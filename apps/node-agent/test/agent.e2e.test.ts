import type {} from '@capstan/testenv/vitest';
import { inject } from 'vitest';
import { agentE2eSuite } from './helpers/agent-e2e-suite.js';

// The agent end to end over containerd 1.6 (the shared private one with a pod network).
agentE2eSuite('containerd', async () => inject('testenv').networkedContainerd);
