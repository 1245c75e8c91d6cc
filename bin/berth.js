#!/usr/bin/env node
// The installed `berth` command: the compiled CLI (npm run build makes dist/).
// It first execs itself under Berth's Node options when they are not set
// (src/cli/node-options.ts; same pid, no wrapper process), so that
// `berth …` and `node bin/berth.js …` both run with them.
import { fileURLToPath } from 'node:url';
import { execWithNodeOptions } from '../dist/cli/node-options.js';

execWithNodeOptions(fileURLToPath(import.meta.url));
await import('../dist/cli/main.js');
