import type { Pod } from '../api/types.ts';
import type { PodInfo } from './interfaces.ts';
import { newPodInfo, updatedPodInfo, ZERO_REQUESTS } from './pod-info.ts';

const FORMAT = `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`;

function pod(spec: Pod['spec'], metadata: Pod['metadata'] = { namespace: 'ns', name: 'p', uid: 'u1' }): Pod {
  return { metadata, spec };
}

describe('newPodInfo', () => {
  const table: { name: string; pod: Pod; want: Partial<PodInfo> }[] = [
    {
      name: 'a pod with requests and a host port',
      pod: pod({
        priority: 1000,
        containers: [{ resources: { requests: { cpu: '500m', memory: '1Gi' } }, ports: [{ containerPort: 80, hostPort: 8080 }] }],
      }),
      want: {
        key: 'ns/p',
        namespace: 'ns',
        name: 'p',
        uid: 'u1',
        priority: 1000,
        requests: { milliCPU: 500, memory: 1024 ** 3, ephemeralStorage: 0, scalar: {}, nonZeroMilliCPU: 500, nonZeroMemory: 1024 ** 3 },
        hostPorts: [{ protocol: 'TCP', hostIP: '0.0.0.0', port: 8080 }],
      },
    },
    {
      name: 'no priority is 0',
      pod: pod({ containers: [{}] }),
      want: { priority: 0, requests: { ...ZERO_REQUESTS, nonZeroMilliCPU: 100, nonZeroMemory: 200 * 1024 * 1024 } },
    },
    { name: 'negative priority', pod: pod({ priority: -5 }), want: { priority: -5 } },
    {
      name: 'no metadata and no spec',
      pod: {},
      want: { key: '/', namespace: '', name: '', uid: '', priority: 0, requests: ZERO_REQUESTS, hostPorts: [] },
    },
    {
      name: 'a malformed container request',
      pod: pod({ containers: [{ resources: { requests: { cpu: 'abc', memory: '1Gi' } }, ports: [{ hostPort: 80 }] }] }),
      want: {
        invalid: `spec.containers[0].resources.requests.cpu: ${FORMAT}: "abc"`,
        requests: ZERO_REQUESTS,
        hostPorts: [{ protocol: 'TCP', hostIP: '0.0.0.0', port: 80 }],
      },
    },
    {
      name: 'a malformed sidecar request',
      pod: pod({ initContainers: [{ restartPolicy: 'Always', resources: { requests: { 'nvidia.com/gpu': '1Ki5' } } }] }),
      want: {
        invalid: `spec.initContainers[0].resources.requests[nvidia.com/gpu]: unable to parse quantity's suffix: "1Ki5"`,
        requests: ZERO_REQUESTS,
      },
    },
    {
      name: 'a malformed overhead',
      pod: pod({ overhead: { memory: '1gi' } }),
      want: { invalid: `spec.overhead.memory: ${FORMAT}: "1gi"`, requests: ZERO_REQUESTS },
    },
    {
      name: 'a quantity too large',
      pod: pod({ resources: { requests: { memory: '1e300' } } }),
      want: { invalid: 'spec.resources.requests.memory: quantity is too large: its magnitude must be below 1e300: "1e300"' },
    },
    {
      name: 'a priority that is not an integer',
      pod: pod({ priority: 'high' as unknown as number, containers: [{ resources: { requests: { cpu: '1' } } }] }),
      want: { invalid: 'spec.priority: Invalid value: "high": must be an integer', priority: 0, requests: ZERO_REQUESTS },
    },
  ];
  test.each(table)('$name', ({ pod: p, want }) => {
    const info = newPodInfo(p);
    expect(info).toMatchObject(want);
    expect(info.pod).toBe(p);
    if (want.invalid === undefined) expect(info).not.toHaveProperty('invalid');
  });

  test('never throws on odd shapes', () => {
    const odd = { metadata: null, spec: { containers: [null, 7], initContainers: {}, overhead: [] } } as unknown as Pod;
    expect(() => newPodInfo(odd)).not.toThrow();
  });

  test('pods of one template share their parsed requests; any difference in what is read gives its own', () => {
    const spec = (cpu: string, sidecar = false): Pod['spec'] => ({
      containers: [{ resources: { requests: { cpu, memory: '1Gi' } } }],
      initContainers: [{ restartPolicy: sidecar ? 'Always' : undefined, resources: { requests: { cpu: '1' } } }],
    });
    const a = newPodInfo(pod(spec('500m')));
    const b = newPodInfo(pod(spec('500m'), { namespace: 'ns', name: 'q', uid: 'u2' }));
    expect(b.requests).toBe(a.requests);
    expect(Object.isFrozen(a.requests)).toBe(true);
    expect(newPodInfo(pod(spec('600m'))).requests.milliCPU).toBe(1000);
    expect(newPodInfo(pod(spec('1500m'))).requests.milliCPU).toBe(1500);
    // A sidecar's request adds to the containers'; a plain init container's does not.
    expect(newPodInfo(pod(spec('500m', true))).requests.milliCPU).toBe(1500);
    expect(newPodInfo(pod(spec('500m', false))).requests.milliCPU).toBe(1000);
  });

  test('a malformed quantity is never taken for a memoized one that reads alike', () => {
    // Both would read "cpu=1,memory=2" if names and values were joined without quoting.
    const good = newPodInfo(pod({ containers: [{ resources: { requests: { cpu: '1', memory: '2' } } }] }));
    const bad = newPodInfo(pod({ containers: [{ resources: { requests: { cpu: '1",memory:"2' } } }] }));
    expect(good.invalid).toBeUndefined();
    expect(bad.invalid).toMatch(/spec.containers\[0\].resources.requests.cpu/);
  });

  test('the zero requests cannot be changed through one pod', () => {
    const info = newPodInfo(pod({ overhead: { cpu: 'x' } }));
    expect(() => {
      (info.requests as { milliCPU: number }).milliCPU = 5;
    }).toThrow(TypeError);
    expect(() => {
      info.requests.scalar['x'] = 1;
    }).toThrow(TypeError);
  });
});

describe('updatedPodInfo', () => {
  const spec = (cpu: string, extra: Partial<NonNullable<Pod['spec']>> = {}): NonNullable<Pod['spec']> => ({
    priority: 10,
    // A fresh object each time, as an informer parses one per event.
    containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu, memory: '1Gi' } }, ports: [{ containerPort: 80, hostPort: 8080 }] }],
    ...extra,
  });

  test('a bind or a status update keeps what was parsed: the same requests and host ports objects, the new pod', () => {
    const old = newPodInfo(pod(spec('500m')));
    const bound: Pod = { ...pod({ ...spec('500m'), nodeName: 'n1' }), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
    const info = updatedPodInfo(old, bound);
    expect(info.pod).toBe(bound);
    expect(info.requests).toBe(old.requests);
    expect(info.hostPorts).toBe(old.hostPorts);
    expect(info).toEqual({ ...newPodInfo(bound), pod: bound });
  });

  test.each([
    ['other requests', spec('700m')],
    ['another host port', { ...spec('500m'), containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '500m', memory: '1Gi' } }, ports: [{ containerPort: 80, hostPort: 9090 }] }] }],
    ['another priority', spec('500m', { priority: 20 })],
    ['pod overhead', spec('500m', { overhead: { cpu: '100m' } })],
    ['a sidecar', spec('500m', { initContainers: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '1' } } }] })],
  ])('%s: parsed again', (_what, next) => {
    const old = newPodInfo(pod(spec('500m')));
    const updated = pod(next);
    expect(updatedPodInfo(old, updated)).toEqual(newPodInfo(updated));
  });

  test('an undefined request is absent, as on the wire: new and updated infos agree', () => {
    const plain = newPodInfo(pod({ containers: [{ resources: { requests: { cpu: '1' } } }] }));
    const withUndefined = pod({ containers: [{ resources: { requests: { cpu: '1', memory: undefined as unknown as string } } }] });
    expect(newPodInfo(withUndefined).invalid).toBeUndefined();
    expect(newPodInfo(withUndefined).requests).toEqual(plain.requests);
    expect(updatedPodInfo(plain, withUndefined).requests).toEqual(newPodInfo(withUndefined).requests);
  });

  test('an invalid pod is parsed again (its fix is seen); so is another pod', () => {
    const bad = newPodInfo(pod(spec('lots')));
    expect(bad.invalid).toBeDefined();
    const fixed = pod(spec('500m'));
    expect(updatedPodInfo(bad, fixed)).toEqual(newPodInfo(fixed));
    const other = pod(spec('500m'), { namespace: 'ns', name: 'p', uid: 'u2' });
    expect(updatedPodInfo(newPodInfo(pod(spec('500m'))), other).uid).toBe('u2');
  });
});
