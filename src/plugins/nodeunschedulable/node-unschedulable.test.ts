// Ported from upstream pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go
// (TestNodeUnschedulable), plus the toleration rules applied to the taint.
import type { Toleration } from '../../api/types.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import type { Handle } from '../../framework/interfaces.ts';
import { Code, type Result } from '../../framework/status.ts';
import { buildSnapshot, makeNode, makePod, testHandle } from '../../testing/builders.ts';
import { ErrReasonUnschedulable, factory, name, TaintNodeUnschedulable, toleratesUnschedulable } from './node-unschedulable.ts';

const handle: Handle = testHandle();
const verdict = (s: Result) => (s === null ? null : { code: s.code, reasons: s.reasons });
const REJECT = { code: Code.UnschedulableAndUnresolvable, reasons: [ErrReasonUnschedulable] };

describe('NodeUnschedulable (upstream TestNodeUnschedulable)', () => {
  test.each<[string, Toleration[], boolean, typeof REJECT | null]>([
    ['Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)', [], true, REJECT],
    ['Schedule pod to normal node', [], false, null],
    [
      'Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)',
      [{ key: TaintNodeUnschedulable, effect: 'NoSchedule' }],
      true,
      null,
    ],
    // Berth: the toleration rules of the taint it stands for.
    ['a toleration for another effect does not help', [{ key: TaintNodeUnschedulable, operator: 'Exists', effect: 'NoExecute' }], true, REJECT],
    ['a toleration for another key does not help', [{ key: 'other', operator: 'Exists' }], true, REJECT],
    ['Exists with an empty key tolerates it', [{ operator: 'Exists' }], true, null],
    ['Equal with a value does not match the empty taint value', [{ key: TaintNodeUnschedulable, value: 'true' }], true, REJECT],
  ])('%s', (_name, tolerations, unschedulable, want) => {
    const snap = buildSnapshot([makeNode('n').unschedulable(unschedulable).obj()]);
    const b = makePod('p');
    for (const t of tolerations) b.toleration(t);
    expect(verdict(factory(undefined, handle).filter(new CycleState(), b.info(), snap.view('n')))).toEqual(want);
  });

  test('the rejection is one shared Status naming the plugin', () => {
    const snap = buildSnapshot([makeNode('n').unschedulable().obj()]);
    const plugin = factory(undefined, handle);
    const pod = makePod('p').info();
    const first = plugin.filter(new CycleState(), pod, snap.view('n'));
    expect(plugin.filter(new CycleState(), pod, snap.view('n'))).toBe(first);
    expect(first?.plugin).toBe(name);
  });

  test('toleratesUnschedulable without tolerations', () => {
    expect(toleratesUnschedulable(undefined)).toBe(false);
  });

  test('registers node add, taint (unschedulable) and label updates (queueing hints off)', () => {
    expect(factory(undefined, handle).eventsToRegister()).toEqual([
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
    ]);
  });
});
