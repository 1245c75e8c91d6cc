// `berth` as a child process, for the integration tests that drive the CLI
// the way operators run it: src/cli/main.ts under this process's Node 24
// with Berth's Node options (src/cli/node-options.ts),
// with this process's environment (it holds the harness's BERTH_TEST_*
// variables, which are not flags). Its stdout (JSON log lines: stdout is not
// a terminal) and stderr are kept for assertions and for failure messages.
//
// Every process spawned here is remembered until killAll(), which an
// afterEach/afterAll calls, so that no berth outlives its test file whatever
// failed. Jest loads this module once per test file: the set is the file's.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BERTH_NODE_OPTIONS } from '../../src/cli/node-options.ts';
import { parseExposition, type Exposition } from '../../src/metrics/exposition.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Exit = { code: number | null; signal: NodeJS.Signals | null };
export type LogLine = Record<string, unknown>;

/** Every berth spawned by this test file and not yet reaped by killAll(). */
const spawned = new Set<BerthProcess>();

export class BerthProcess {
  /** Names it in failure messages. */
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  exited: Exit | undefined;
  readonly exit: Promise<Exit>;

  constructor(args: readonly string[], name = 'berth') {
    this.name = name;
    this.child = spawn(process.execPath, [...BERTH_NODE_OPTIONS, join(root, 'src', 'cli', 'main.ts'), ...args], {
      cwd: root,
      env: process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdin.end();
    this.child.stdout.on('data', (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exit = new Promise((done) =>
      this.child.on('close', (code, signal) => {
        this.exited = { code, signal };
        done(this.exited);
      }),
    );
    spawned.add(this);
  }

  /** Its log lines so far; each complete line must be JSON (a partial last line is left for later). */
  lines(): LogLine[] {
    const complete = this.stdout.slice(0, this.stdout.lastIndexOf('\n') + 1);
    return complete
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as LogLine);
  }

  /** The first line with this message. */
  logged(msg: string): LogLine | undefined {
    return this.lines().find((l) => l.msg === msg);
  }

  messages(): string[] {
    return this.lines().map((l) => l.msg as string);
  }

  /** The tail of what it wrote, for failure messages. */
  output(): string {
    return `--- ${this.name} stdout ---\n${this.stdout.slice(-6000)}\n--- ${this.name} stderr ---\n${this.stderr.slice(-3000)}`;
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** Its exit, or `what` after timeoutMs (so that an assertion shows which). */
  async exitWithin<T extends string>(timeoutMs: number, what: T): Promise<Exit | T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<T>((r) => (timer = setTimeout(() => r(what), timeoutMs)));
    try {
      return await Promise.race([this.exit, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function spawnBerth(args: readonly string[], name?: string): BerthProcess {
  return new BerthProcess(args, name);
}

/** Kills every berth of this file still running (a stopped one too) and waits for them to exit. */
export async function killAll(): Promise<void> {
  const all = [...spawned];
  for (const p of all) {
    if (!p.exited) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
  }
  await Promise.all(all.map((p) => p.exit));
  for (const p of all) spawned.delete(p);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface WaitOptions {
  timeoutMs?: number;
  /** Processes whose exit ends the wait at once, with their output. */
  watch?: readonly BerthProcess[];
  /** A check that throws counts as "not yet" (a port not open yet), not as a failure. */
  retryOnError?: boolean;
  intervalMs?: number;
}

/** Polls `check` until it returns a value other than undefined; fails early, with their output, if a watched process exits. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, watch = [], retryOnError = false, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = retryOnError ? await Promise.resolve().then(check).catch(() => undefined) : await check();
    if (result !== undefined) return result;
    const dead = watch.find((p) => p.exited);
    if (dead) throw new Error(`${dead.name} exited (${JSON.stringify(dead.exited)}) while waiting for ${what}\n${dead.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${watch.map((p) => p.output()).join('\n')}`);
    await sleep(intervalMs);
  }
}

/** `count` distinct ports, free on 127.0.0.1 a moment ago (for --secure-port). */
export async function freePorts(count: number): Promise<number[]> {
  // All held open at once, so that no two are the same.
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** GET on a berth's secure port on 127.0.0.1. Its certificate is self-signed: this client does not verify it. */
export function getSecure(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** /metrics, parsed. */
export async function scrape(port: number): Promise<Exposition> {
  const res = await getSecure(port, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(res.body);
}
