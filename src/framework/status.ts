// The result of a plugin call. Success is `null` (no allocation on the hot
// path); anything else is a Status with a code and reasons. Plugins return
// statuses and never throw for a verdict; a thrown error is a bug the runtime
// turns into Code.Error.

/** What the scheduler does with each code. */
export const Code = {
  /** The plugin ran and the pod may go on. */
  Success: 0,
  /** Something went wrong in the plugin or the API: the pod is retried with backoff, not marked unschedulable. */
  Error: 1,
  /** The pod does not fit this node now; preemption may help. The pod waits in unschedulablePods until an event could make it fit. */
  Unschedulable: 2,
  /** The pod does not fit this node and preemption cannot help (e.g. node affinity). Treated like Unschedulable for queueing. */
  UnschedulableAndUnresolvable: 3,
  /** Permit only: hold the pod until allowed or timed out. */
  Wait: 4,
  /** The plugin has nothing to do for this pod; its Filter/Score (or Bind) is skipped. */
  Skip: 5,
  /** The pod is waiting on something outside the scheduler (e.g. a gate); it is not unschedulable. */
  Pending: 6,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export const codeNames: Record<Code, string> = {
  0: 'Success',
  1: 'Error',
  2: 'Unschedulable',
  3: 'UnschedulableAndUnresolvable',
  4: 'Wait',
  5: 'Skip',
  6: 'Pending',
};

export class Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  /** The plugin that returned it; the runtime fills it in. */
  plugin: string;

  constructor(code: Code, reasons: readonly string[] = [], plugin = '') {
    this.code = code;
    this.reasons = reasons;
    this.plugin = plugin;
  }

  static error(reason: string): Status {
    return new Status(Code.Error, [reason]);
  }
  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }
  static skip(): Status {
    return new Status(Code.Skip);
  }
  static pending(...reasons: string[]): Status {
    return new Status(Code.Pending, reasons);
  }

  isRejection(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  message(): string {
    return this.reasons.join(', ');
  }

  withPlugin(plugin: string): Status {
    return new Status(this.code, this.reasons, plugin);
  }
}

/** Plugin return type: null is success. */
export type Result = Status | null;

export function isSuccess(status: Result): boolean {
  return status === null || status.code === Code.Success;
}
