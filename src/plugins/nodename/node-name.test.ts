// Ported from upstream pkg/scheduler/framework/plugins/nodename/node_name_test.go (TestNodeName).
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle } from '../../framework/interfaces.ts';
import { Code, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { ErrReason, factory, name } from './node-name.ts';

const handle: Handle = testHandle();
const verdict = (s: Result) => (s === null ? null : { code: s.code, reasons: s.reasons });
const REJECT = { code: Code.UnschedulableAndUnresolvable, reasons: [ErrReason] };

describe('NodeName (upstream TestNodeName)', () => {
  test.each([
    ['no host specified', undefined, 'foo', null],
    ['host matches', 'foo', 'foo', null],
    ["host doesn't match", 'bar', 'foo', REJECT],
    // Berth: a name no node has is never interned.
    ['a host no node has', 'nowhere', 'foo', REJECT],
  ] as const)('%s', (_name, podNode, nodeName, want) => {
    const snap = buildSnapshot([makeNode(nodeName).obj(), makeNode('other').obj()]);
    const b = makePod('p');
    if (podNode) b.node(podNode);
    const pod = b.info();
    const plugin = factory(undefined, handle);
    const state = new CycleState();
    const pre = plugin.preFilter(state, pod, snap.table);
    // No nodeName: PreFilter skips, so Filter never runs for the pod.
    expect(pre.status?.code === Code.Skip).toBe(podNode === undefined);
    const got = pre.status?.code === Code.Skip ? null : plugin.filter(state, pod, snap.view(nodeName));
    expect(verdict(got)).toEqual(want);
    // Without PreFilter (disabled in a profile), Filter compares the names.
    expect(verdict(plugin.filter(new CycleState(), pod, snap.view(nodeName)))).toEqual(want);
  });

  test('the rejection is one shared Status naming the plugin', () => {
    const snap = buildSnapshot([makeNode('foo').obj()]);
    const pod = makePod('p').node('bar').info();
    const plugin = factory(undefined, handle);
    const state = new CycleState();
    plugin.preFilter(state, pod, snap.table);
    const first = plugin.filter(state, pod, snap.view('foo'));
    expect(plugin.filter(state, pod, snap.view('foo'))).toBe(first);
    expect(first?.plugin).toBe(name);
  });

  test('registers node add, label and taint updates (queueing hints off)', () => {
    expect(factory(undefined, handle).eventsToRegister()).toEqual([
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ]);
  });
});
