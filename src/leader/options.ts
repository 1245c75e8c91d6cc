// The leader-election flags of `berth run`, with upstream kube-scheduler's
// names and defaults, checked before Berth connects to anything: each error
// has one exact message (asserted in options.test.ts and the CLI tests).
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LeaseRef } from '../cluster/client.ts';
import { parseDuration } from './duration.ts';
import { JITTER_FACTOR } from './elector.ts';

export interface LeaderElectionFlags {
  leaderElect: boolean;
  resourceName: string;
  /** Default: the namespace Berth runs in (its service account's), else kube-system. */
  resourceNamespace?: string | undefined;
  /** Go durations, e.g. "15s". */
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
}

export const LEADER_ELECTION_DEFAULTS = {
  leaderElect: true,
  resourceName: 'berth',
  leaseDuration: '15s',
  renewDeadline: '10s',
  retryPeriod: '2s',
} as const satisfies Omit<LeaderElectionFlags, 'resourceNamespace'>;

/** Where Kubernetes mounts the pod's namespace with its service-account token. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface LeaderElectionConfig {
  lease: LeaseRef;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export class LeaderElectionConfigError extends Error {
  override name = 'LeaderElectionConfigError';
}

/** The namespace Berth runs in, from its service account; undefined outside a pod. */
export function inClusterNamespace(path = SERVICE_ACCOUNT_NAMESPACE_FILE): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** hostname_uuid, as kube-scheduler's: unique even for two replicas on one host. */
export function leaderIdentity(host: string = hostname(), uuid: string = randomUUID()): string {
  return `${host}_${uuid}`;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new LeaderElectionConfigError(`--${flag}: "${text}" is not a duration (a Go duration such as 15s, 500ms or 1m30s)`);
  if (!(ms > 0)) throw new LeaderElectionConfigError(`--${flag} must be greater than zero`);
  return ms;
}

/**
 * The election's Lease and timings from the flags; throws
 * LeaderElectionConfigError. The checks are client-go's NewLeaderElector's:
 * lease duration > renew deadline > retry period x 1.2 (the jitter factor),
 * so that a leader gives up before a standby may take over, and has time to
 * retry within its deadline.
 */
export function resolveLeaderElection(flags: LeaderElectionFlags, namespaceOf: () => string | undefined = inClusterNamespace): LeaderElectionConfig {
  const leaseDurationMs = duration('leader-elect-lease-duration', flags.leaseDuration);
  const renewDeadlineMs = duration('leader-elect-renew-deadline', flags.renewDeadline);
  const retryPeriodMs = duration('leader-elect-retry-period', flags.retryPeriod);
  if (leaseDurationMs % 1000 !== 0) {
    throw new LeaderElectionConfigError(
      `--leader-elect-lease-duration must be a whole number of seconds (a Lease records leaseDurationSeconds), not ${flags.leaseDuration}`,
    );
  }
  if (leaseDurationMs <= renewDeadlineMs) {
    throw new LeaderElectionConfigError(
      `--leader-elect-lease-duration (${flags.leaseDuration}) must be greater than --leader-elect-renew-deadline (${flags.renewDeadline})`,
    );
  }
  if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) {
    throw new LeaderElectionConfigError(
      `--leader-elect-renew-deadline (${flags.renewDeadline}) must be greater than --leader-elect-retry-period (${flags.retryPeriod}) times ${JITTER_FACTOR}, its jitter`,
    );
  }
  if (!DNS1123_SUBDOMAIN.test(flags.resourceName) || flags.resourceName.length > 253) {
    throw new LeaderElectionConfigError(
      `--leader-elect-resource-name "${flags.resourceName}" is not a valid Lease name: a lowercase RFC 1123 subdomain (a-z, 0-9, '-' and '.', starting and ending with a letter or digit)`,
    );
  }
  const namespace = flags.resourceNamespace || namespaceOf() || 'kube-system';
  if (!DNS1123_LABEL.test(namespace) || namespace.length > 63) {
    throw new LeaderElectionConfigError(
      `--leader-elect-resource-namespace "${namespace}" is not a valid namespace: a lowercase RFC 1123 label (a-z, 0-9 and '-', starting and ending with a letter or digit, at most 63 characters)`,
    );
  }
  return { lease: { namespace, name: flags.resourceName }, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}
