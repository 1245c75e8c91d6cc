// A real Kubernetes control plane for tests and for `berth dev`: etcd and
// kube-apiserver on loopback, on ports chosen at run time, with a temporary
// data folder, serving certificates the apiserver generates itself, a
// service-account signing key, token authentication and RBAC.
//
// Process lifetime: every child is started under `setpriv --pdeathsig KILL`
// (where util-linux has it) so the kernel kills it if this process dies in
// any way, SIGKILL included; on top of that, exit and signal hooks kill what
// is still running. Logs go to files in a run folder that outlives the data
// folder, so a failed run can be read afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, type KubeAssets, type Log } from './assets.ts';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  /** A kubeconfig file for the cluster-admin user (token in system:masters). */
  kubeconfigPath: string;
  /** The cluster-admin bearer token. */
  token: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  caData: string;
  /** gitVersion from /version, e.g. v1.36.3. */
  version: string;
  /** Folder with etcd.log and kube-apiserver.log; kept after stop. */
  logDir: string;
  etcdEndpoint: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  assets: KubeAssets;
  log?: Log;
  /** How long to wait for /readyz; default 60 s. */
  readyTimeoutMs?: number;
}

const children = new Set<ChildProcess>();
let hooksInstalled = false;

function killAllNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // A program that handles the signal itself (the cluster CLI) stops us gracefully.
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

const hasSetpriv = (() => {
  const result = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('--pdeathsig');
})();

function startProcess(binary: string, args: string[], logFile: string): ChildProcess {
  installExitHooks();
  const fd = openSync(logFile, 'a');
  const [command, argv] = hasSetpriv ? ['setpriv', ['--pdeathsig', 'KILL', binary, ...args]] : [binary, args];
  const child = spawn(command, argv, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function httpsGet(url: string, token: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        headers: { authorization: `Bearer ${token}` },
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Removes run folders of earlier runs: data folders whose owner is gone, logs beyond the newest 10. */
function pruneOldRuns(runsDir: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('berth-cp-')) continue;
    const dir = join(tmpdir(), name);
    try {
      const pid = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!existsSync(runsDir)) return;
  const runs = readdirSync(runsDir)
    .map((name) => ({ name, mtime: statSync(join(runsDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const run of runs.slice(10)) rmSync(join(runsDir, run.name), { recursive: true, force: true });
}

export async function startControlPlane(options: StartOptions): Promise<ControlPlane> {
  const { assets } = options;
  const log = options.log ?? (() => {});
  const runsDir = join(cacheDir(), 'runs');
  pruneOldRuns(runsDir);

  const dataDir = mkdtempSync(join(tmpdir(), 'berth-cp-'));
  writeFileSync(join(dataDir, 'owner.pid'), String(process.pid));
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const logDir = join(runsDir, runId);
  mkdirSync(logDir, { recursive: true });

  const [etcdClientPort, etcdPeerPort, apiserverPort] = [await freePort(), await freePort(), await freePort()];
  const etcdEndpoint = `http://127.0.0.1:${etcdClientPort}`;
  const etcdLog = join(logDir, 'etcd.log');
  const apiserverLog = join(logDir, 'kube-apiserver.log');

  const etcd = startProcess(
    assets.etcd,
    [
      '--name=berth-test',
      `--data-dir=${join(dataDir, 'etcd')}`,
      `--listen-client-urls=${etcdEndpoint}`,
      `--advertise-client-urls=${etcdEndpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=berth-test=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
      `--quota-backend-bytes=${8 * 1024 ** 3}`,
      '--log-level=warn',
    ],
    etcdLog,
  );

  const pki = join(dataDir, 'pki');
  mkdirSync(pki);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(join(pki, 'sa.pub'), publicKey);
  writeFileSync(join(pki, 'sa.key'), privateKey, { mode: 0o600 });
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(pki, 'tokens.csv'), `${token},berth-admin,berth-admin,"system:masters"\n`, { mode: 0o600 });

  const apiserver = startProcess(
    assets.kubeApiserver,
    [
      `--etcd-servers=${etcdEndpoint}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      `--cert-dir=${join(dataDir, 'serving-certs')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      // No controller-manager runs unless a test starts one: nothing would
      // create default service accounts or lift the not-ready taint.
      '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
      '--endpoint-reconciler-type=none',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--max-requests-inflight=1000',
      '--max-mutating-requests-inflight=500',
      '--v=1',
    ],
    apiserverLog,
  );

  const stop = async () => {
    await stopProcess(apiserver, 10_000);
    await stopProcess(etcd, 5_000);
    rmSync(dataDir, { recursive: true, force: true });
  };

  const server = `https://127.0.0.1:${apiserverPort}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let lastError: string;
  for (;;) {
    for (const [name, child, file] of [
      ['etcd', etcd, etcdLog],
      ['kube-apiserver', apiserver, apiserverLog],
    ] as const) {
      if (child.exitCode !== null || child.signalCode !== null) {
        await stop();
        throw new Error(
          `${name} exited (${child.exitCode ?? child.signalCode}) while the control plane started; ` +
            `logs in ${logDir}\n--- last lines of ${file} ---\n${tail(file)}`,
        );
      }
    }
    try {
      const ready = await httpsGet(`${server}/readyz`, token);
      if (ready.status === 200) break;
      lastError = `/readyz answered ${ready.status}: ${ready.body.slice(0, 500)}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kube-apiserver was not ready in time (${lastError}); logs in ${logDir}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  // The self-generated serving certificate file holds the leaf and the CA that signed it.
  const caData = readFileSync(join(dataDir, 'serving-certs', 'apiserver.crt'), 'utf8');
  const version = (JSON.parse((await httpsGet(`${server}/version`, token, caData)).body) as { gitVersion: string })
    .gitVersion;

  const kubeconfigPath = join(logDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(server, caData, token), { mode: 0o600 });
  log(`kube-apiserver ${version} ready at ${server}; kubeconfig ${kubeconfigPath}; logs ${logDir}`);

  return { server, kubeconfigPath, token, caData, version, logDir, etcdEndpoint, stop };
}

export function kubeconfig(server: string, caData: string, token: string): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'berth-test',
        cluster: { server, 'certificate-authority-data': Buffer.from(caData).toString('base64') },
      },
    ],
    users: [{ name: 'berth-admin', user: { token } }],
    contexts: [{ name: 'berth-test', context: { cluster: 'berth-test', user: 'berth-admin' } }],
    'current-context': 'berth-test',
  };
  // JSON is YAML: every kubeconfig reader takes it.
  return `${JSON.stringify(config, null, 2)}\n`;
}
