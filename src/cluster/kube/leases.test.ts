import { leaseCreateBody, leasePath, leasesPath, leaseUpdateBody } from './leases.ts';

describe('Lease requests', () => {
  test('paths', () => {
    expect(leasesPath('kube-system')).toBe('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases');
    expect(leasePath({ namespace: 'kube-system', name: 'berth' })).toBe('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/berth');
  });

  test('create: name, namespace, labels and the spec; nothing from an earlier object', () => {
    const spec = { holderIdentity: 'h_1', leaseDurationSeconds: 15, leaseTransitions: 0 };
    expect(leaseCreateBody({ metadata: { name: 'berth', namespace: 'ns', resourceVersion: '7', uid: 'u' }, spec })).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'berth', namespace: 'ns' },
      spec,
    });
  });

  test('update: the whole object as read (resourceVersion, annotations, managedFields) with the new spec', () => {
    const read = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'berth', namespace: 'ns', resourceVersion: '7', annotations: { a: 'b' }, managedFields: [{ manager: 'x' }] },
      spec: { holderIdentity: 'old' },
    };
    const body = leaseUpdateBody({ ...read, spec: { holderIdentity: 'new' } });
    expect(body).toEqual({ ...read, spec: { holderIdentity: 'new' } });
  });
});
