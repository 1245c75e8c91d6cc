// The real adapter of the ClusterClient port (see kube-cluster-client.ts).
export {
  KubeClusterClient,
  KubeClientOptionsError,
  createKubeClusterClient,
  type KubeClientStats,
  type KubeClusterClientOptions,
} from './kube-cluster-client.ts';
export { KubeInformer, type InformerSettings, type InformerStats } from './informer.ts';
export { KubeConfigError, loadKubeConfig } from './kubeconfig.ts';
export type { KubeLogger } from './logger.ts';
export type { PodConditionPatch } from './requests.ts';
export { RESOURCES, type KubeResource } from './resources.ts';
