// The pieces under PreFilter: label selectors on pods (apimachinery's
// LabelSelectorAsSelector and Requirement.Matches), the default selector
// from the controller, and the compiled node inclusion policy for node
// affinity (the pod's required node affinity). The taints policy's
// tolerations are framework/tolerations.ts, tested there.
import type { Node, NodeSelectorTerm, Pod } from '../../api/types.ts';
import { buildSnapshot, makeNode, makePod } from '../../testing/builders.ts';
import { defaultSelector, podConstraints } from './constraints.ts';
import { EVERYTHING, NOTHING, SelectorKind, labelSelectorAsSelector, mergeMatchLabels, selectorEmpty, selectorMatches } from './labels.ts';
import { compileRequiredNodeAffinity, matchesNodeAffinity } from './node-inclusion.ts';

const podWithLabels = (labels: Record<string, string>): Pod => {
  const b = makePod('p');
  for (const [k, v] of Object.entries(labels)) b.label(k, v);
  return b.obj();
};

describe('labelSelectorAsSelector and matching', () => {
  test('nil is Nothing; {} is Everything, which is Empty', () => {
    expect(labelSelectorAsSelector(undefined).selector).toBe(NOTHING);
    expect(labelSelectorAsSelector({}).selector).toBe(EVERYTHING);
    expect(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).selector).toBe(EVERYTHING);
    expect(selectorEmpty(EVERYTHING)).toBe(true);
    expect(selectorEmpty(NOTHING)).toBe(false);
    expect(selectorMatches(NOTHING, podWithLabels({ a: 'b' }))).toBe(false);
    expect(selectorMatches(EVERYTHING, podWithLabels({}))).toBe(true);
  });

  test.each<[string, Record<string, string>, boolean]>([
    ['all requirements hold', { app: 'web', tier: 'front', env: 'prod' }, true],
    ['In: another value of the set', { app: 'web', tier: 'edge' }, true],
    ['matchLabels value differs', { app: 'db', tier: 'front' }, false],
    ['In: value not in the set', { app: 'web', tier: 'back' }, false],
    ['NotIn: the label absent is fine', { app: 'web', tier: 'front' }, true],
    ['NotIn: value in the set', { app: 'web', tier: 'front', env: 'test' }, false],
    ['Exists: absent', { app: 'web' }, false],
    ['DoesNotExist: present', { app: 'web', tier: 'front', canary: '' }, false],
  ])('%s', (_name, labels, want) => {
    const { selector } = labelSelectorAsSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'env', operator: 'NotIn', values: ['test'] },
        { key: 'tier', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(selectorMatches(selector!, podWithLabels(labels))).toBe(want);
  });

  test.each<[string, unknown, string]>([
    ['an unknown operator', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, '"Gt" is not a valid label selector operator'],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, `values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'],
    ['a bad key', { matchLabels: { 'a/b/c': 'x' } }, 'key: Invalid value: "a/b/c": a qualified name must consist of'],
    ['a bad value', { matchLabels: { a: 'x y' } }, 'values[0]: Invalid value: "x y": a valid label must be an empty string or consist of'],
  ])('an invalid selector is an error: %s', (_name, ls, want) => {
    const got = labelSelectorAsSelector(ls as never);
    expect(got.selector).toBeUndefined();
    expect(got.error).toContain(want);
  });

  test('matchLabelKeys merge: Everything becomes the pod values; Nothing stays Nothing', () => {
    const merged = mergeMatchLabels({ app: 'web' }, EVERYTHING);
    expect(merged.kind).toBe(SelectorKind.Labels);
    expect(selectorMatches(merged, podWithLabels({ app: 'web' }))).toBe(true);
    expect(selectorMatches(merged, podWithLabels({ app: 'db' }))).toBe(false);
    expect(mergeMatchLabels({ app: 'web' }, NOTHING)).toBe(NOTHING);
  });

  test('matchLabelKeys of the pod’s own constraints are merged from its labels', () => {
    const p = makePod('p').label('app', 'web').label('rev', '7').spreadConstraint({
      maxSkew: 1,
      topologyKey: 'zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'web' } },
      matchLabelKeys: ['rev', 'absent'],
    });
    const { constraints } = podConstraints(p.obj(), [], 'DoNotSchedule');
    const s = constraints![0]!.selector;
    expect(selectorMatches(s, podWithLabels({ app: 'web', rev: '7' }))).toBe(true);
    expect(selectorMatches(s, podWithLabels({ app: 'web', rev: '6' }))).toBe(false);
    expect(constraints![0]).toMatchObject({ minDomains: 1, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore' });
  });
});

describe('defaultSelector (Berth: the controller stands in for its selector)', () => {
  const owned = (apiVersion: string, kind: string, controller = true): Pod => {
    const p = makePod('p').obj();
    p.metadata!.ownerReferences = [{ apiVersion, kind, name: 'o', uid: 'uid-1', controller }];
    return p;
  };
  test.each<[string, Pod, boolean]>([
    ['ReplicaSet', owned('apps/v1', 'ReplicaSet'), true],
    ['StatefulSet', owned('apps/v1', 'StatefulSet'), true],
    ['ReplicationController', owned('v1', 'ReplicationController'), true],
    ['a ReplicaSet of another group version', owned('extensions/v1beta1', 'ReplicaSet'), false],
    ['a Job', owned('batch/v1', 'Job'), false],
    ['an owner that is not the controller', owned('apps/v1', 'ReplicaSet', false), false],
    ['no owner', makePod('p').obj(), false],
  ])('%s', (_name, p, want) => {
    const s = defaultSelector(p);
    expect(s === undefined ? undefined : s.controllerUid).toBe(want ? 'uid-1' : undefined);
  });
});

// --- node inclusion -----------------------------------------------------------------------

function nodes(): Node[] {
  return [
    makeNode('n1').labels({ zone: 'a', cores: '8', gpu: 'yes' }).obj(),
    makeNode('n2').labels({ zone: 'b', cores: '16' }).taint('dedicated', 'ml', 'NoSchedule').obj(),
    makeNode('n3').labels({ zone: 'c', cores: 'many' }).taint('maintenance', '', 'NoExecute').taint('soft', '', 'PreferNoSchedule').obj(),
  ];
}

function affinityPod(spec: { nodeSelector?: Record<string, string>; terms?: NodeSelectorTerm[] }): Pod {
  const p = makePod('p').obj();
  if (spec.nodeSelector) p.spec!.nodeSelector = spec.nodeSelector;
  if (spec.terms) p.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: spec.terms } } };
  return p;
}

describe('compiled required node affinity (nodeaffinity.GetRequiredNodeAffinity)', () => {
  test.each<[string, Parameters<typeof affinityPod>[0], string[]]>([
    ['no affinity: every node', {}, ['n1', 'n2', 'n3']],
    ['nodeSelector', { nodeSelector: { zone: 'b' } }, ['n2']],
    ['nodeSelector with a value no node has', { nodeSelector: { zone: 'z' } }, []],
    ['In', { terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'c'] }] }] }, ['n1', 'n3']],
    ['NotIn matches nodes without the label', { terms: [{ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['yes'] }] }] }, ['n2', 'n3']],
    ['Exists', { terms: [{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }] }, ['n1']],
    ['DoesNotExist', { terms: [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }] }, ['n2', 'n3']],
    ['Gt on integer values only', { terms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }] }, ['n2']],
    ['Lt', { terms: [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['10'] }] }] }, ['n1']],
    ['terms are ORed', { terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n3'] }] }] }, ['n1', 'n3']],
    ['matchFields NotIn', { terms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }] }, ['n2', 'n3']],
    ['an empty term matches nothing', { terms: [{}] }, []],
    ['a term that does not parse matches nothing; the others still can', { terms: [{ matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] }, ['n2']],
    ['nodeSelector and terms are ANDed', { nodeSelector: { zone: 'a' }, terms: [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }] }, []],
  ])('%s', (_name, spec, want) => {
    const snap = buildSnapshot(nodes());
    const a = structuredClone(compileRequiredNodeAffinity(affinityPod(spec), snap.table));
    expect(['n1', 'n2', 'n3'].filter((n) => matchesNodeAffinity(a, snap.view(n)))).toEqual(want);
  });
});
