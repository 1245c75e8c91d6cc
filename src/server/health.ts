// Health checks as the Kubernetes components serve them (k8s.io/apiserver
// healthz): named checks, run on each request; the response is "ok", or with
// ?verbose one "[+]name ok" / "[-]name failed: reason withheld" line per
// check. The reasons go to the log, not to whoever asked.
//
//   /healthz, /livez   ping, scheduling-loop (+ leader election's, when it lands)
//   /readyz            ping, sched-handler-sync (upstream's name: informers synced)
import type { LoopHeartbeat } from '../scheduler/scheduler.ts';

export interface HealthCheck {
  /** Upstream style: lowercase words and dashes; also the path /healthz/<name>. */
  readonly name: string;
  /** undefined when healthy, else why not (logged, not served). */
  check(): string | undefined;
}

export const pingCheck: HealthCheck = { name: 'ping', check: () => undefined };

/** /readyz: the informers have synced, so the cache and queue reflect the cluster. */
export function syncedCheck(hasSynced: () => boolean): HealthCheck {
  return { name: 'sched-handler-sync', check: () => (hasSynced() ? undefined : 'informers have not synced yet') };
}

/** How long one scheduling cycle may run (binds in flight included) before the loop counts as wedged. */
export const DEFAULT_STALL_MS = 60_000;

export interface LoopSource {
  heartbeat(): LoopHeartbeat;
  /** Pods in activeQ, ready to be popped. */
  activePods(): number;
  /** The clock heartbeat().since is on (ms). */
  now(): number;
}

/**
 * /healthz: the scheduling loop is alive. It is healthy when it is not
 * running (before it starts, on a standby replica, after stop), when it
 * waits for pods that are not there, and while a cycle runs for less than
 * stallMs. Wedged: one cycle for stallMs or more (a plugin or a bind slot
 * that never returns), or the loop waiting while activeQ holds pods. The
 * latter cannot happen in passing: adding a pod to activeQ resumes the
 * waiting pop() before any other task (such as this check) runs, so a loop
 * found idle beside active pods has missed its wake-up.
 */
export function schedulingLoopCheck(source: LoopSource, stallMs = DEFAULT_STALL_MS): HealthCheck {
  return {
    name: 'scheduling-loop',
    check() {
      const beat = source.heartbeat();
      const forMs = source.now() - beat.since;
      if (beat.state === 'busy' && forMs >= stallMs) {
        return `one scheduling cycle has run for ${Math.round(forMs)} ms (limit ${stallMs} ms)`;
      }
      if (beat.state === 'idle') {
        const active = source.activePods();
        if (active > 0) return `the loop is waiting while ${active} pod(s) are in activeQ`;
      }
      return undefined;
    },
  };
}

export interface CheckReport {
  ok: boolean;
  body: string;
  /** name → reason, for the failed ones. */
  failures: Map<string, string>;
}

/** Runs the checks (a throw counts as a failure) and renders upstream's response body. */
export function runChecks(endpoint: string, checks: readonly HealthCheck[], verbose: boolean): CheckReport {
  const failures = new Map<string, string>();
  const lines: string[] = [];
  for (const c of checks) {
    let reason: string | undefined;
    try {
      reason = c.check();
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    if (reason === undefined) lines.push(`[+]${c.name} ok`);
    else {
      failures.set(c.name, reason);
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  const ok = failures.size === 0;
  if (ok && !verbose) return { ok, body: 'ok', failures };
  return { ok, body: `${lines.join('\n')}\n${endpoint} check ${ok ? 'passed' : 'failed'}\n`, failures };
}
