// The resources an informer can follow, and the URLs of their list and watch.
import type { ResourceKind } from '../client.ts';

export interface KubeResource {
  /** The collection across all namespaces, e.g. /api/v1/pods. */
  readonly path: string;
  /** For logs and errors, e.g. "pods". */
  readonly name: string;
}

export const RESOURCES = {
  pods: { path: '/api/v1/pods', name: 'pods' },
  nodes: { path: '/api/v1/nodes', name: 'nodes' },
  namespaces: { path: '/api/v1/namespaces', name: 'namespaces' },
  priorityclasses: { path: '/apis/scheduling.k8s.io/v1/priorityclasses', name: 'priorityclasses' },
  persistentvolumes: { path: '/api/v1/persistentvolumes', name: 'persistentvolumes' },
  persistentvolumeclaims: { path: '/api/v1/persistentvolumeclaims', name: 'persistentvolumeclaims' },
  storageclasses: { path: '/apis/storage.k8s.io/v1/storageclasses', name: 'storageclasses' },
  // Not a ResourceKind of the port yet; DESIGN.md lists a PDB informer.
  poddisruptionbudgets: { path: '/apis/policy/v1/poddisruptionbudgets', name: 'poddisruptionbudgets' },
} as const satisfies Record<ResourceKind | 'poddisruptionbudgets', KubeResource>;

export interface Selectors {
  fieldSelector?: string | undefined;
  labelSelector?: string | undefined;
}

function withSelectors(params: URLSearchParams, selectors: Selectors): void {
  if (selectors.fieldSelector) params.set('fieldSelector', selectors.fieldSelector);
  if (selectors.labelSelector) params.set('labelSelector', selectors.labelSelector);
}

export function listUrl(resource: KubeResource, selectors: Selectors, limit: number, continueToken?: string): string {
  const params = new URLSearchParams();
  if (limit > 0) params.set('limit', String(limit));
  if (continueToken) params.set('continue', continueToken);
  withSelectors(params, selectors);
  const query = params.toString();
  return query ? `${resource.path}?${query}` : resource.path;
}

export function watchUrl(resource: KubeResource, selectors: Selectors, resourceVersion: string, timeoutSeconds: number): string {
  const params = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true' });
  if (resourceVersion) params.set('resourceVersion', resourceVersion);
  if (timeoutSeconds > 0) params.set('timeoutSeconds', String(Math.ceil(timeoutSeconds)));
  withSelectors(params, selectors);
  return `${resource.path}?${params.toString()}`;
}
