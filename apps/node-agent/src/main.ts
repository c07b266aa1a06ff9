#!/usr/bin/env node
// capstan-node-agent: the V8 heap flags first (a re-exec of this same process when Node was
// started without them, before anything else is loaded), then the command line.
import { applyHeapFlags } from './heap-flags.js';

applyHeapFlags();
await import('./cli.js');
