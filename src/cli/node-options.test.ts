import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH_NODE_OPTIONS } from './node-options.ts';

const root = join(import.meta.dirname, '..', '..');

describe("Berth's Node options", () => {
  const options = BERTH_NODE_OPTIONS.join(' ');

  test('the installed command, the npm scripts that start Berth and the benchmarks pass them', () => {
    const bin = readFileSync(join(root, 'bin', 'berth.js'), 'utf8').split('\n')[0];
    expect(bin).toBe(`#!/usr/bin/env -S node ${options}`);
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`node ${options} src/cli/main.ts dev`);
    expect(scripts.berth).toBe(`node ${options} src/cli/main.ts`);
    // The in-process benchmark measures Berth's code under the same options.
    expect(scripts.perf).toBe(`node ${options} perf/main.ts`);
  });

  test('they cap the young generation at 2 × 16 MiB, where Node 24 left alone sizes it from the machine', () => {
    // Allocate enough short-lived objects that V8 grows the new space to its cap.
    const program = `
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 1e5) keep = []; }
      const s = require('node:v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
      console.log(s.space_size);`;
    const run = spawnSync(process.execPath, [...BERTH_NODE_OPTIONS, '-e', program], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(Number(run.stdout.trim())).toBeLessThanOrEqual(32 * 1024 * 1024);
  });
});
