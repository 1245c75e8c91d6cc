#!/usr/bin/env -S node --max-semi-space-size=16
// The installed `berth` command: the compiled CLI (npm run build makes dist/),
// under Berth's Node options (src/cli/node-options.ts; `env -S` splits them).
// Run as `node bin/berth.js`, the first line is not read: pass them yourself.
import '../dist/cli/main.js';
