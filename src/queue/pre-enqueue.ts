// PreEnqueue as the queue calls it: one function per pod that returns null
// to let it into activeQ, or the status of the plugin that gates it (with
// status.plugin naming that plugin). The framework runtime provides this
// function for each profile (it times plugins and catches their throws);
// runPreEnqueuePlugins builds it from a plain list, for tests and tools.
import type { PodInfo, PreEnqueuePlugin } from '../framework/interfaces.ts';
import type { Result } from '../framework/status.ts';
import { isSuccess, Status } from '../framework/status.ts';

export type PreEnqueueFn = (pod: PodInfo) => Result;

/** Runs the plugins in order; the first non-success status, named after its plugin, gates the pod. */
export function runPreEnqueuePlugins(plugins: readonly PreEnqueuePlugin[]): PreEnqueueFn {
  return (pod) => {
    for (const plugin of plugins) {
      let status: Result;
      try {
        status = plugin.preEnqueue(pod);
      } catch (err) {
        status = Status.error(err instanceof Error ? err.message : String(err));
      }
      if (!isSuccess(status)) return status!.withPlugin(plugin.name);
    }
    return null;
  };
}
