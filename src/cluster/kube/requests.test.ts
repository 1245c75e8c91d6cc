import {
  annotationsPatch,
  bindingBody,
  deleteOptionsBody,
  eventBody,
  evictionBody,
  metaTime,
  microTime,
  podPath,
  podStatusPatch,
  truncateNote,
} from './requests.ts';

const pod = { namespace: 'team', name: 'web-0', uid: '1111-2222' };

describe('write bodies (upstream wire format)', () => {
  test('pod paths', () => {
    expect(podPath(pod)).toBe('/api/v1/namespaces/team/pods/web-0');
    expect(podPath(pod, 'binding')).toBe('/api/v1/namespaces/team/pods/web-0/binding');
  });

  test('a binding names the pod incarnation by UID', () => {
    expect(bindingBody(pod, 'node-1')).toEqual({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'web-0', namespace: 'team', uid: '1111-2222' },
      target: { kind: 'Node', name: 'node-1' },
    });
  });

  // The expected bodies are what strategicpatch.CreateTwoWayMergePatch gives
  // in upstream's util.PatchPodStatus for the same change (checked with
  // k8s.io/apimachinery v0.36.3).
  const now = new Date('2025-01-02T00:00:00.123Z');
  test.each([
    {
      name: 'a new condition',
      condition: { type: 'PodScheduled', status: 'False' as const, reason: 'Unschedulable', message: '0/3 nodes' },
      nominated: undefined,
      want: {
        status: {
          conditions: [
            {
              lastProbeTime: null,
              lastTransitionTime: '2025-01-02T00:00:00Z',
              message: '0/3 nodes',
              reason: 'Unschedulable',
              status: 'False',
              type: 'PodScheduled',
            },
          ],
        },
      },
    },
    {
      name: 'with a nominated node and observed generation',
      condition: { type: 'PodScheduled', status: 'False' as const, reason: 'Unschedulable', message: 'm', observedGeneration: 1 },
      nominated: 'n1',
      want: {
        status: {
          conditions: [
            {
              lastProbeTime: null,
              lastTransitionTime: '2025-01-02T00:00:00Z',
              message: 'm',
              observedGeneration: 1,
              reason: 'Unschedulable',
              status: 'False',
              type: 'PodScheduled',
            },
          ],
          nominatedNodeName: 'n1',
        },
      },
    },
    {
      name: 'an unchanged status keeps its transition time; "" clears the nominated node',
      condition: { type: 'PodScheduled', status: 'False' as const, lastTransitionTime: '2024-12-31T10:00:00Z' },
      nominated: '',
      want: {
        status: {
          conditions: [{ lastProbeTime: null, lastTransitionTime: '2024-12-31T10:00:00Z', status: 'False', type: 'PodScheduled' }],
          nominatedNodeName: null,
        },
      },
    },
  ])('status patch: $name', ({ condition, nominated, want }) => {
    expect(JSON.stringify(podStatusPatch(condition, nominated, now))).toBe(JSON.stringify(want));
  });

  test('annotations merge patch, guarded by the UID', () => {
    expect(annotationsPatch(pod, { 'berth.dev/cpuset': '4-7', old: null })).toEqual({
      metadata: { annotations: { 'berth.dev/cpuset': '4-7', old: null }, uid: '1111-2222' },
    });
  });

  test('eviction and delete carry the UID precondition', () => {
    expect(evictionBody(pod)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-0', namespace: 'team' },
      deleteOptions: { preconditions: { uid: '1111-2222' } },
    });
    expect(deleteOptionsBody(pod)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: '1111-2222' } });
  });

  test('times: metav1.Time in whole seconds, MicroTime with six digits', () => {
    expect(metaTime(now)).toBe('2025-01-02T00:00:00Z');
    expect(microTime(Date.UTC(2025, 0, 2) * 1000 + 123_456)).toBe('2025-01-02T00:00:00.123456Z');
    expect(microTime(Date.UTC(2025, 0, 2) * 1000 + 7)).toBe('2025-01-02T00:00:00.000007Z');
  });

  test('an event as client-go tools/events makes it', () => {
    const micros = Date.UTC(2025, 0, 2) * 1000 + 5;
    const body = eventBody(
      {
        regarding: { kind: 'Pod', namespace: 'team', name: 'web-0', uid: '1111-2222' },
        type: 'Normal',
        reason: 'Scheduled',
        action: 'Binding',
        note: 'Successfully assigned team/web-0 to node-1',
      },
      { controller: 'berth', instance: 'berth-host1' },
      micros,
      3,
    );
    expect(body).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `web-0.${(BigInt(micros) * 1000n + 3n).toString(16)}`, namespace: 'team' },
      eventTime: '2025-01-02T00:00:00.000005Z',
      reportingController: 'berth',
      reportingInstance: 'berth-host1',
      action: 'Binding',
      reason: 'Scheduled',
      regarding: { kind: 'Pod', apiVersion: 'v1', namespace: 'team', name: 'web-0', uid: '1111-2222' },
      note: 'Successfully assigned team/web-0 to node-1',
      type: 'Normal',
    });
  });

  test('an event about a node lives in "default"', () => {
    const body = eventBody(
      { regarding: { kind: 'Node', name: 'node-1' }, type: 'Warning', reason: 'R', action: 'A', note: 'n' },
      { controller: 'berth', instance: 'i' },
      1,
      0,
    ) as { metadata: { namespace: string }; regarding: object };
    expect(body.metadata.namespace).toBe('default');
    expect(body.regarding).toEqual({ kind: 'Node', apiVersion: 'v1', name: 'node-1' });
  });

  test('notes are cut to 1024 bytes with " ..." as upstream truncateMessage', () => {
    expect(truncateNote('short')).toBe('short');
    const long = truncateNote('x'.repeat(2000));
    expect(long).toHaveLength(1024);
    expect(long.endsWith('x ...')).toBe(true);
    const multibyte = truncateNote('€'.repeat(400)); // 1200 bytes
    expect(Buffer.byteLength(multibyte)).toBeLessThanOrEqual(1024);
    expect(multibyte.endsWith('€ ...')).toBe(true);
  });
});
