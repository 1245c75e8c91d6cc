import type { ClusterEvent, EnqueueExtensions, Plugin } from '../framework/interfaces.ts';
import { buildPluginEvents, clusterEventLabel, matchClusterEvent, WILDCARD_EVENT } from './events.ts';

const ev = (resource: ClusterEvent['resource'], action: ClusterEvent['action']): ClusterEvent => ({ resource, action });

describe('matchClusterEvent', () => {
  test.each([
    { registered: ev('Node', 'Add'), incoming: ev('Node', 'Add'), want: true },
    { registered: ev('Node', 'Add'), incoming: ev('Node', 'Delete'), want: false },
    { registered: ev('Node', 'Add'), incoming: ev('Pod', 'Add'), want: false },
    { registered: ev('Node', '*'), incoming: ev('Node', 'UpdateNodeTaint'), want: true },
    { registered: ev('*', 'Delete'), incoming: ev('PersistentVolume', 'Delete'), want: true },
    { registered: ev('*', 'Delete'), incoming: ev('PersistentVolume', 'Add'), want: false },
    { registered: WILDCARD_EVENT, incoming: ev('Namespace', 'Update'), want: true },
    { registered: WILDCARD_EVENT, incoming: WILDCARD_EVENT, want: true },
    { registered: ev('Node', '*'), incoming: WILDCARD_EVENT, want: false },
    { registered: ev('Node', 'Update'), incoming: ev('Node', 'UpdateNodeLabel'), want: true },
    { registered: ev('Node', 'UpdateNodeLabel'), incoming: ev('Node', 'Update'), want: false },
    { registered: ev('Node', 'UpdateNodeLabel'), incoming: ev('Node', 'UpdateNodeTaint'), want: false },
    { registered: ev('Pod', 'Delete'), incoming: ev('AssignedPod', 'Delete'), want: true },
    { registered: ev('AssignedPod', 'Delete'), incoming: ev('Pod', 'Delete'), want: false },
  ])('$registered.resource/$registered.action vs $incoming.resource/$incoming.action → $want', ({ registered, incoming, want }) => {
    expect(matchClusterEvent(registered, incoming)).toBe(want);
  });
});

describe('clusterEventLabel', () => {
  test.each([
    [ev('Node', 'Add'), 'NodeAdd'],
    [ev('AssignedPod', 'Delete'), 'AssignedPodDelete'],
    [ev('Node', '*'), 'NodeAll'],
    [WILDCARD_EVENT, 'WildCard'],
  ])('%o → %s', (event, label) => {
    expect(clusterEventLabel(event)).toBe(label);
  });
});

describe('buildPluginEvents', () => {
  test('uses EnqueueExtensions, and registers every event for a plugin without them', () => {
    const fit: Plugin & EnqueueExtensions = { name: 'Fit', eventsToRegister: () => [ev('Node', 'Add')] };
    const bare: Plugin = { name: 'Bare' };
    const map = buildPluginEvents([fit, bare]);
    expect(map.get('Fit')).toEqual([ev('Node', 'Add')]);
    expect(map.get('Bare')).toEqual([WILDCARD_EVENT]);
  });
});
