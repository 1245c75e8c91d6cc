import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BERTH_NODE_OPTIONS } from './node-options.ts';

const root = join(import.meta.dirname, '..', '..');

describe("Berth's Node options", () => {
  const options = BERTH_NODE_OPTIONS.join(' ');

  test('the npm scripts that start Berth and the benchmarks pass them; the installed command execs itself with them first', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`node ${options} src/cli/main.ts dev`);
    expect(scripts.berth).toBe(`node ${options} src/cli/main.ts`);
    // The in-process benchmark measures Berth's code under the same options.
    expect(scripts.perf).toBe(`node ${options} perf/main.ts`);
    const bin = readFileSync(join(root, 'bin', 'berth.js'), 'utf8');
    expect(bin.split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(bin.indexOf('execWithNodeOptions(fileURLToPath(import.meta.url));')).toBeGreaterThan(0);
    expect(bin.indexOf('execWithNodeOptions(')).toBeLessThan(bin.indexOf("import('../dist/cli/main.js')"));
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

  describe('execWithNodeOptions', () => {
    // A stand-in for bin/berth.js: exec with the options, then report what this process runs with.
    let dir: string;
    let entry: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'berth-node-options-'));
      entry = join(dir, 'entry.mjs');
      const module = pathToFileURL(join(import.meta.dirname, 'node-options.ts')).href;
      writeFileSync(
        entry,
        `import { execWithNodeOptions } from ${JSON.stringify(module)};\n` +
          `execWithNodeOptions(${JSON.stringify(entry)});\n` +
          `console.log(JSON.stringify({ pid: process.pid, execArgv: process.execArgv, argv: process.argv.slice(2), nodeOptions: process.env.NODE_OPTIONS ?? null }));\n`,
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const run = (nodeArgs: string[], env: NodeJS.ProcessEnv = {}) => {
      const child = spawnSync(process.execPath, [...nodeArgs, entry, 'run', '--flag=x'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env } });
      expect(child.status).toBe(0);
      return { child, report: JSON.parse(child.stdout.trim()) as { pid: number; execArgv: string[]; argv: string[]; nodeOptions: string | null } };
    };

    test('without the options, the same process (same pid) runs again with them, its own options and arguments kept', () => {
      const { child, report } = run(['--no-warnings']);
      expect(report.pid).toBe(child.pid);
      expect(report.execArgv).toEqual([...BERTH_NODE_OPTIONS, '--no-warnings']);
      expect(report.argv).toEqual(['run', '--flag=x']);
    });

    test.each([
      ['on the command line', ['--max-semi-space-size=8'], {}, ['--max-semi-space-size=8']],
      ['in NODE_OPTIONS', [], { NODE_OPTIONS: '--max-semi-space-size=32' }, []],
      ['with underscores', ['--max_semi_space_size=4'], {}, ['--max_semi_space_size=4']],
    ])('a young generation size set %s is the user’s choice: no exec', (_where, nodeArgs, env, execArgv) => {
      const { child, report } = run(nodeArgs, env);
      expect(report.pid).toBe(child.pid);
      expect(report.execArgv).toEqual(execArgv);
    });
  });
});
