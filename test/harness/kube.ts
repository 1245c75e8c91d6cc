// Helpers for integration tests: a client for the run's control plane and
// names that keep each test file apart from the others.
import { KubeConfig, type CoreV1Api, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';

export function testKubeConfig(): KubeConfig {
  const path = process.env.BERTH_TEST_KUBECONFIG;
  if (!path) throw new Error('BERTH_TEST_KUBECONFIG is not set: integration tests run under the harness global setup');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** A DNS-1123 name unique to this run: prefix plus random suffix. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export interface NodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
}

export function nodeObject({ name, cpu = '4', memory = '32Gi', pods = '110', labels = {} }: NodeSpec): V1Node {
  const resources = { cpu, memory, pods };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node' }],
    },
  };
}

export interface PodSpec {
  name: string;
  namespace: string;
  schedulerName?: string;
  cpu?: string;
  memory?: string;
}

export function podObject({ name, namespace, schedulerName = 'berth', cpu = '100m', memory = '128Mi' }: PodSpec): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      schedulerName,
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory } } }],
    },
  };
}
