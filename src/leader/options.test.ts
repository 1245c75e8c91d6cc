import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LEADER_ELECTION_DEFAULTS,
  LeaderElectionConfigError,
  inClusterNamespace,
  leaderIdentity,
  resolveLeaderElection,
  type LeaderElectionFlags,
} from './options.ts';

const defaults: LeaderElectionFlags = { ...LEADER_ELECTION_DEFAULTS };
const outside = () => undefined;

describe('resolveLeaderElection', () => {
  test("upstream's defaults: berth in kube-system, 15s / 10s / 2s", () => {
    expect(resolveLeaderElection(defaults, outside)).toEqual({
      lease: { namespace: 'kube-system', name: 'berth' },
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  test('the namespace defaults to the one Berth runs in; the flag wins', () => {
    expect(resolveLeaderElection(defaults, () => 'berth-system').lease.namespace).toBe('berth-system');
    expect(resolveLeaderElection({ ...defaults, resourceNamespace: 'ops' }, () => 'berth-system').lease.namespace).toBe('ops');
  });

  test('Go durations', () => {
    const got = resolveLeaderElection({ ...defaults, leaseDuration: '1m', renewDeadline: '45s', retryPeriod: '500ms' }, outside);
    expect([got.leaseDurationMs, got.renewDeadlineMs, got.retryPeriodMs]).toEqual([60_000, 45_000, 500]);
  });

  const table: { name: string; flags: Partial<LeaderElectionFlags>; message: string }[] = [
    {
      name: 'not a duration',
      flags: { leaseDuration: '15' },
      message: '--leader-elect-lease-duration: "15" is not a duration (a Go duration such as 15s, 500ms or 1m30s)',
    },
    {
      name: 'not a duration (renew deadline)',
      flags: { renewDeadline: 'ten seconds' },
      message: '--leader-elect-renew-deadline: "ten seconds" is not a duration (a Go duration such as 15s, 500ms or 1m30s)',
    },
    { name: 'zero', flags: { retryPeriod: '0s' }, message: '--leader-elect-retry-period must be greater than zero' },
    { name: 'negative', flags: { renewDeadline: '-10s' }, message: '--leader-elect-renew-deadline must be greater than zero' },
    {
      name: 'a lease duration in part seconds',
      flags: { leaseDuration: '15500ms' },
      message: '--leader-elect-lease-duration must be a whole number of seconds (a Lease records leaseDurationSeconds), not 15500ms',
    },
    {
      name: 'lease duration not above the renew deadline',
      flags: { leaseDuration: '10s' },
      message: '--leader-elect-lease-duration (10s) must be greater than --leader-elect-renew-deadline (10s)',
    },
    {
      name: 'renew deadline not above the retry period',
      flags: { renewDeadline: '2s' },
      message: '--leader-elect-renew-deadline (2s) must be greater than --leader-elect-retry-period (2s) times 1.2, its jitter',
    },
    {
      name: 'renew deadline above the retry period, not above it with jitter',
      flags: { renewDeadline: '2400ms' },
      message: '--leader-elect-renew-deadline (2400ms) must be greater than --leader-elect-retry-period (2s) times 1.2, its jitter',
    },
    {
      name: 'a resource name that is not a DNS subdomain',
      flags: { resourceName: 'Berth_Lock' },
      message:
        '--leader-elect-resource-name "Berth_Lock" is not a valid Lease name: a lowercase RFC 1123 subdomain (a-z, 0-9, \'-\' and \'.\', starting and ending with a letter or digit)',
    },
    {
      name: 'an empty resource name',
      flags: { resourceName: '' },
      message:
        '--leader-elect-resource-name "" is not a valid Lease name: a lowercase RFC 1123 subdomain (a-z, 0-9, \'-\' and \'.\', starting and ending with a letter or digit)',
    },
    {
      name: 'a namespace that is not a DNS label',
      flags: { resourceNamespace: 'kube.system' },
      message:
        '--leader-elect-resource-namespace "kube.system" is not a valid namespace: a lowercase RFC 1123 label (a-z, 0-9 and \'-\', starting and ending with a letter or digit, at most 63 characters)',
    },
  ];
  test.each(table)('$name', ({ flags, message }) => {
    expect(() => resolveLeaderElection({ ...defaults, ...flags }, outside)).toThrow(new LeaderElectionConfigError(message));
  });
});

describe('inClusterNamespace', () => {
  test('reads the service account namespace file; undefined when absent or empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-leader-'));
    try {
      writeFileSync(join(dir, 'namespace'), 'berth-system\n');
      writeFileSync(join(dir, 'empty'), '');
      expect(inClusterNamespace(join(dir, 'namespace'))).toBe('berth-system');
      expect(inClusterNamespace(join(dir, 'empty'))).toBeUndefined();
      expect(inClusterNamespace(join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('leaderIdentity', () => {
  test('hostname_uuid, unique per process', () => {
    expect(leaderIdentity('node-1', 'a-b')).toBe('node-1_a-b');
    expect(leaderIdentity()).toMatch(/^.+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(leaderIdentity()).not.toBe(leaderIdentity());
  });
});
