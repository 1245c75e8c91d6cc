// The test harness by hand: `npm run cluster -- <command>`.
//
//   build [--helm]  build (or find) the control-plane binaries; --helm adds helm
//   up              start etcd + kube-apiserver and keep them running until Ctrl-C
//   env             print the KUBECONFIG of the cluster `up` started
//   down            stop the cluster `up` started
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, resolveKubeAssets, type Component } from './assets.ts';
import { startControlPlane } from './control-plane.ts';

interface ClusterState {
  pid: number;
  server: string;
  kubeconfigPath: string;
  logDir: string;
  version: string;
}

const stateFile = join(cacheDir(), 'cluster.json');
const log = (m: string) => process.stderr.write(`[berth harness] ${m}\n`);

function readState(): ClusterState | undefined {
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  try {
    process.kill(state.pid, 0);
    return state;
  } catch {
    rmSync(stateFile, { force: true });
    return undefined;
  }
}

async function up(): Promise<void> {
  const running = readState();
  if (running) {
    log(`a cluster is already running (pid ${running.pid}); KUBECONFIG=${running.kubeconfigPath}`);
    process.exitCode = 1;
    return;
  }
  const assets = await resolveKubeAssets(['etcd', 'kubernetes'], log);
  const cp = await startControlPlane({ assets, log });
  const state: ClusterState = {
    pid: process.pid,
    server: cp.server,
    kubeconfigPath: cp.kubeconfigPath,
    logDir: cp.logDir,
    version: cp.version,
  };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.stdout.write(
    `\nkube-apiserver ${cp.version} is running at ${cp.server}\n` +
      `  export KUBECONFIG=${cp.kubeconfigPath}\n` +
      `  logs: ${cp.logDir}\n` +
      `Press Ctrl-C (or run \`npm run cluster -- down\`) to stop it.\n`,
  );
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log('stopping the control plane');
    void cp.stop().finally(() => {
      rmSync(stateFile, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  setInterval(() => {}, 1 << 30);
}

function env(): void {
  const state = readState();
  if (!state) {
    log('no cluster is running; start one with `npm run cluster -- up`');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`export KUBECONFIG=${state.kubeconfigPath}\n`);
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    log('no cluster is running');
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (readState() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  log(readState() ? `pid ${state.pid} did not stop in 30 s` : 'stopped');
}

async function build(args: string[]): Promise<void> {
  const components: Component[] = ['etcd', 'kubernetes', ...(args.includes('--helm') ? (['helm'] as const) : [])];
  const assets = await resolveKubeAssets(components, log);
  process.stdout.write(`${JSON.stringify(assets, null, 2)}\n`);
}

const usage = `usage: npm run cluster -- <build [--helm] | up | env | down>`;
const [command, ...rest] = process.argv.slice(2);
try {
  switch (command) {
    case 'build':
      await build(rest);
      break;
    case 'up':
      await up();
      break;
    case 'env':
      env();
      break;
    case 'down':
      await down();
      break;
    default:
      process.stderr.write(`${usage}\n`);
      process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
