import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Kubernetes minor version Berth is built and tested against. */
export const KUBERNETES_API_VERSION = 'v1.36';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function berthVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  if (process.env.BERTH_GIT_COMMIT) return process.env.BERTH_GIT_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: packageRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function versionCommand(): void {
  process.stdout.write(
    `berth ${berthVersion()}\n` +
      `  git commit:      ${gitCommit()}\n` +
      `  node:            ${process.version}\n` +
      `  kubernetes api:  ${KUBERNETES_API_VERSION}\n`,
  );
}
