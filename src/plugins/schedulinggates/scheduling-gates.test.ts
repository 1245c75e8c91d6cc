// Ported from upstream pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates_test.go (TestPreEnqueue).
import type { Handle } from '../../framework/interfaces.ts';
import { Code, type Result } from '../../framework/status.ts';
import { makePod, testHandle } from '../../testing/builders.ts';
import { factory } from './scheduling-gates.ts';

const handle: Handle = testHandle();
const verdict = (s: Result) => (s === null ? null : { code: s.code, reasons: s.reasons });

describe('SchedulingGates (upstream TestPreEnqueue)', () => {
  test('pod does not carry scheduling gates', () => {
    expect(factory(undefined, handle).preEnqueue(makePod('p').info())).toBeNull();
  });

  test('pod carries scheduling gates', () => {
    expect(verdict(factory(undefined, handle).preEnqueue(makePod('p').schedulingGates('foo', 'bar').info()))).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ['waiting for scheduling gates: [foo bar]'],
    });
  });

  test('an empty gate list does not gate', () => {
    expect(factory(undefined, handle).preEnqueue(makePod('p').schedulingGates().info())).toBeNull();
  });

  test('wakes on the removal of the last gate (upstream TestIsSchedulableAfterUpdateTargetPodSchedulingGatesEliminated)', () => {
    expect(factory(undefined, handle).eventsToRegister()).toEqual([{ resource: 'Pod', action: 'UpdatePodSchedulingGatesEliminated' }]);
  });
});
