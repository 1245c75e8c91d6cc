#!/usr/bin/env node
// The installed `berth` command: the compiled CLI (npm run build makes dist/).
import '../dist/cli/main.js';
