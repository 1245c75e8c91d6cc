// The Node.js options Berth runs under, wherever it is started: the installed
// `berth` command (bin/berth.js execs itself with them: execWithNodeOptions),
// `npm start` / `npm run berth` (package.json passes them), the perf suite
// (`npm run perf`, and the Berth it spawns) and the integration harness. A
// test keeps package.json and bin/berth.js in step with this list.
//
// --max-semi-space-size=16: Node 24's V8 sizes the young generation from the
// heap limit, which it takes from the machine's memory: on a 24 GiB host each
// semi-space may grow to 64 MiB (128 MiB of new space), against 16 MiB under
// Node 20 and 22. A scheduler allocates steadily (every watch event is parsed
// JSON), so the new space does grow to its cap and stays resident. Capped at
// 16 MiB, the 10,000-node / 10,000-pod end-to-end run peaks at ~280 MB RSS
// instead of ~360 MB for ~3% more CPU (perf/README.md, "Memory"). The
// worker pool caps its threads' young generation the same way
// (src/parallel/pool.ts).
export const BERTH_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=16'];

/** An option's name, as Node reads it (`--max_semi_space_size=4` is `--max-semi-space-size`). */
function optionName(option: string): string {
  const eq = option.indexOf('=');
  return `--${(eq < 0 ? option : option.slice(0, eq)).replace(/^--/, '').replaceAll('_', '-')}`;
}

/** Whether `option` (by name, any value) is among Node's options or NODE_OPTIONS. */
function alreadySet(option: string, execArgv: readonly string[], nodeOptions: string): boolean {
  const name = optionName(option);
  const given = (arg: string) => arg.startsWith('--') && optionName(arg) === name;
  return execArgv.some(given) || nodeOptions.split(/\s+/).some(given);
}

/**
 * Replaces this process (same pid: exec, not a child) with `node
 * BERTH_NODE_OPTIONS <this process's options> entry <its arguments>`, unless
 * every option is already set (on the command line or in NODE_OPTIONS, with
 * any value: the user's choice wins). Returns when nothing needed changing or
 * the runtime cannot exec (process.execve is Node ≥ 22.15, Unix only); then
 * the process simply goes on with the options it has.
 */
export function execWithNodeOptions(entry: string): void {
  const missing = BERTH_NODE_OPTIONS.filter((o) => !alreadySet(o, process.execArgv, process.env.NODE_OPTIONS ?? ''));
  if (missing.length === 0) return;
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function' || process.platform === 'win32') return;
  try {
    execve.call(process, process.execPath, [process.execPath, ...missing, ...process.execArgv, entry, ...process.argv.slice(2)], process.env);
  } catch {
    // exec refused (a sandbox, a seccomp filter): run as we are.
  }
}
