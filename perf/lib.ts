// Small helpers shared by the benchmarks: a bounded work pool, process
// statistics from /proc, percentiles and a plain-text table.
import { readFileSync, readdirSync } from 'node:fs';

export const say = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** Runs work(0..count-1) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export interface ProcStats {
  /** user + system CPU seconds of the process (all its threads) so far. */
  cpuSeconds: number;
  /** VmHWM: the peak resident set, MB. */
  peakRssMB: number;
  rssMB: number;
}

const CLOCK_TICKS = 100;

export function procStats(pid: number): ProcStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { cpuSeconds: ticks / CLOCK_TICKS, peakRssMB: kb('VmHWM') / 1024, rssMB: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/** Children of `parent` by command name (comm), e.g. the harness's kube-apiserver and etcd. */
export function childPids(parent: number): Map<string, number> {
  const found = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) found.set(comm, Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

/** The p-th percentile (0..100) of values, nearest rank; NaN when empty. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function sortedOf(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function round(value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A table with a header row; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[], isHeader: boolean) =>
    r
      .map((c, i) => {
        const s = String(c ?? '');
        const numeric = !isHeader && typeof rows[0]?.[i] === 'number';
        return numeric ? s.padStart(widths[i]!) : s.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [line(cells[0]!, true), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map((r) => line(r, false))].join('\n');
}

export function machine(): string {
  let cpu = 'unknown cpu';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux
  }
  const cores = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 0;
  const memGiB = Math.round(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `${cores} cores (${cpu}), ${memGiB} GiB, load average before the run ${load}; Node ${process.version}`;
}
