// Finds the control-plane binaries the tests run against, or builds them.
//
// BERTH_KUBE_ASSETS names a folder of prebuilt binaries: then nothing is built
// and a missing binary is an error. Otherwise each component is built with Go
// from the pinned modules under test/harness/go/<component> into a cache
// outside the repository ($XDG_CACHE_HOME/berth, else ~/.cache/berth), one
// folder per component and version, so later runs and fresh clones reuse it.
// A lock folder keeps two runs from building at once; a build writes to a
// temporary folder and renames it into place, so a half-built folder is never
// taken for a built one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUBERNETES_VERSION = 'v1.36.3';
export const ETCD_VERSION = 'v3.6.13';
export const HELM_VERSION = 'v3.22.0';

export type Component = 'etcd' | 'kubernetes' | 'helm';

export interface KubeAssets {
  /** Where the binaries came from: the BERTH_KUBE_ASSETS folder or the build cache. */
  source: 'BERTH_KUBE_ASSETS' | 'cache';
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager?: string;
  kubeScheduler?: string;
  helm?: string;
}

export type Log = (message: string) => void;

const goModulesDir = join(dirname(fileURLToPath(import.meta.url)), 'go');
const versionPackage = 'k8s.io/component-base/version';

interface BuildRecipe {
  version: string;
  binaries: string[];
  packages: string[];
  ldflags: string;
}

const recipes: Record<Component, BuildRecipe> = {
  etcd: { version: ETCD_VERSION, binaries: ['etcd'], packages: ['.'], ldflags: '-s -w' },
  kubernetes: {
    version: KUBERNETES_VERSION,
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'],
    packages: [
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ],
    // Without these the binaries report themselves as v0.0.0.
    ldflags: [
      '-s -w',
      `-X ${versionPackage}.gitVersion=${KUBERNETES_VERSION}`,
      `-X ${versionPackage}.gitMajor=${KUBERNETES_VERSION.split('.')[0]!.slice(1)}`,
      `-X ${versionPackage}.gitMinor=${KUBERNETES_VERSION.split('.')[1]}`,
      `-X ${versionPackage}.gitTreeState=clean`,
    ].join(' '),
  },
  helm: { version: HELM_VERSION, binaries: ['helm'], packages: ['helm.sh/helm/v3/cmd/helm'], ldflags: '-s -w' },
};

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'berth');
}

function componentDir(component: Component): string {
  return join(cacheDir(), 'bin', `${component}-${recipes[component].version}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class MissingAssetsError extends Error {
  override name = 'MissingAssetsError';
}

/** Resolves the binaries for the given components, building what the cache lacks. */
export async function resolveKubeAssets(
  components: Component[] = ['etcd', 'kubernetes'],
  log: Log = (m) => process.stderr.write(`[berth harness] ${m}\n`),
): Promise<KubeAssets> {
  const assetsDir = process.env.BERTH_KUBE_ASSETS;
  if (assetsDir) return fromAssetsDir(assetsDir, components);

  const missing = components.filter((c) => !recipes[c].binaries.every((b) => isExecutable(join(componentDir(c), b))));
  if (missing.length > 0) await withBuildLock(log, () => buildComponents(missing, log));

  const kube = componentDir('kubernetes');
  const assets: KubeAssets = {
    source: 'cache',
    etcd: join(componentDir('etcd'), 'etcd'),
    kubeApiserver: join(kube, 'kube-apiserver'),
  };
  if (components.includes('kubernetes')) {
    assets.kubeControllerManager = join(kube, 'kube-controller-manager');
    assets.kubeScheduler = join(kube, 'kube-scheduler');
  }
  if (components.includes('helm')) assets.helm = join(componentDir('helm'), 'helm');
  return assets;
}

function fromAssetsDir(dir: string, components: Component[]): KubeAssets {
  const path = (name: string) => join(dir, name);
  const required = ['etcd', 'kube-apiserver', ...(components.includes('helm') ? ['helm'] : [])];
  const absent = required.filter((b) => !isExecutable(path(b)));
  if (absent.length > 0) {
    throw new MissingAssetsError(
      `BERTH_KUBE_ASSETS=${dir} lacks executable ${absent.join(', ')}. ` +
        `Put etcd ${ETCD_VERSION} and kube-apiserver ${KUBERNETES_VERSION} there ` +
        `(kube-controller-manager, kube-scheduler and helm are optional), ` +
        `or unset BERTH_KUBE_ASSETS to have the harness build them with Go.`,
    );
  }
  const optional = (name: string) => (isExecutable(path(name)) ? path(name) : undefined);
  const assets: KubeAssets = { source: 'BERTH_KUBE_ASSETS', etcd: path('etcd'), kubeApiserver: path('kube-apiserver') };
  const kcm = optional('kube-controller-manager');
  const ks = optional('kube-scheduler');
  const helm = optional('helm');
  if (kcm) assets.kubeControllerManager = kcm;
  if (ks) assets.kubeScheduler = ks;
  if (helm) assets.helm = helm;
  return assets;
}

function goVersion(): string | undefined {
  const result = spawnSync('go', ['version'], { encoding: 'utf8', env: process.env });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

async function buildComponents(components: Component[], log: Log): Promise<void> {
  const go = goVersion();
  if (!go) {
    throw new MissingAssetsError(
      `The tests need etcd ${ETCD_VERSION} and kube-apiserver ${KUBERNETES_VERSION}, and neither ` +
        `BERTH_KUBE_ASSETS nor Go is available to provide them. Either:\n` +
        `  - set BERTH_KUBE_ASSETS to a folder holding the etcd and kube-apiserver binaries ` +
        `(optionally kube-controller-manager, kube-scheduler, helm), or\n` +
        `  - install Go 1.26 or newer (https://go.dev/dl/, or your distribution's golang package) ` +
        `so the harness builds them from the published Go modules into ${cacheDir()} ` +
        `(about 15 minutes and 2 GB of memory, once).`,
    );
  }
  for (const component of components) {
    // Another run may have finished it while this one waited for the lock.
    const recipe = recipes[component];
    const dir = componentDir(component);
    if (recipe.binaries.every((b) => isExecutable(join(dir, b)))) continue;
    await buildComponent(component, go, log);
  }
}

async function buildComponent(component: Component, go: string, log: Log): Promise<void> {
  const recipe = recipes[component];
  const dir = componentDir(component);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const output = recipe.binaries.length === 1 ? join(tmp, recipe.binaries[0]!) : `${tmp}/`;
  const args = ['build', '-v', '-trimpath', '-ldflags', recipe.ldflags, '-o', output, ...recipe.packages];
  log(`building ${component} ${recipe.version} with ${go} into ${dir} (this happens once per machine)`);

  const started = Date.now();
  let compiled = 0;
  let tail: string[] = [];
  const child = spawn('go', args, {
    cwd: join(goModulesDir, component),
    env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // `go build -v` names each package as it compiles it: count them for progress.
  const onOutput = (chunk: Buffer) => {
    const lines = chunk.toString('utf8').split('\n').filter(Boolean);
    compiled += lines.length;
    tail = [...tail, ...lines].slice(-40);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const progress = setInterval(() => {
    const elapsed = Math.round((Date.now() - started) / 1000);
    log(`building ${component} ${recipe.version}: ${compiled} packages so far, ${Math.floor(elapsed / 60)}m${elapsed % 60}s`);
  }, 20_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearInterval(progress));
  if (code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`go ${args.join(' ')} failed with exit code ${code}:\n${tail.join('\n')}`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`built ${component} ${recipe.version} in ${Math.round((Date.now() - started) / 1000)}s`);
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs fn holding the cache's build lock: a folder made atomically, with the holder's pid inside. */
async function withBuildLock<T>(log: Log, fn: () => Promise<T>): Promise<T> {
  const lock = join(cacheDir(), 'build.lock');
  mkdirSync(cacheDir(), { recursive: true });
  let waitingSince = 0;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // The holder made the folder but has not written its pid yet.
      }
      const orphaned = Number.isNaN(holder) && ageMs(lock) > 60_000;
      if (orphaned || (Number.isInteger(holder) && !processAlive(holder))) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - waitingSince > 30_000) {
        log(`waiting for another build to finish (lock ${lock}, pid ${holder})`);
        waitingSince = Date.now();
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function assetsExist(components: Component[]): boolean {
  if (process.env.BERTH_KUBE_ASSETS) return true;
  return components.every((c) => recipes[c].binaries.every((b) => existsSync(join(componentDir(c), b))));
}
