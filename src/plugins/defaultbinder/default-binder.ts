// DefaultBinder: binds the pod through the handle's binder (the
// pods/binding subresource, with the pod's UID), as upstream's defaultbinder.
// A failed bind is Code.Error: the pod is unreserved, forgotten and retried
// with backoff.
import type { CycleState } from '../../framework/cycle-state.ts';
import type { BindPlugin, Handle, PodInfo } from '../../framework/interfaces.ts';
import { Status, type Result } from '../../framework/status.ts';

export const name = 'DefaultBinder';

export class DefaultBinderPlugin {
  readonly name = name;
  private readonly handle: Handle;
  private readonly log: ReturnType<Handle['loggerFor']>;

  constructor(handle: Handle) {
    this.handle = handle;
    this.log = handle.loggerFor(name);
  }

  async bind(_state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    try {
      await this.handle.binder.bind(pod, nodeName);
      return null;
    } catch (err) {
      // The Status keeps only the message; this keeps the API's whole answer (status code, reason).
      // The scheduler decides what the failure means (retry, or give up on a pod gone) and logs that.
      this.log.info({ pod: pod.key, node: nodeName, err }, 'bind failed');
      return Status.error(err instanceof Error ? err.message : String(err));
    }
  }
}

/** DefaultBinder takes no args. */
export const factory = ((_args: unknown, handle: Handle): DefaultBinderPlugin => new DefaultBinderPlugin(handle)) satisfies (
  args: unknown,
  handle: Handle,
) => BindPlugin;
