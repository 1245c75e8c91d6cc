// fitErrorMessage: upstream's FitError.Error() (pkg/scheduler/framework/types.go,
// v1.36), with its TestFitError_Error table (types_test.go) and the details
// that table leaves implicit: Go's sort.Strings order, several reasons per
// node, and how the PreFilter and PostFilter messages are joined.
import { Code, Status } from '../framework/status.ts';
import { Diagnosis, FitError, fitErrorMessage, NO_NODE_AVAILABLE, NO_NODES_TO_SCHEDULE } from './fit-error.ts';

/** A diagnosis as the algorithm fills it: one status per rejected node. */
function diagnosisOf(nodeStatuses: Record<string, Status>, messages: { preFilter?: string; postFilter?: string } = {}): Diagnosis {
  const diagnosis = new Diagnosis();
  if (messages.preFilter) {
    // PreFilter rejected the pod: every node carries its status, but the histogram is not built from them.
    diagnosis.preFilterMessage = messages.preFilter;
    for (const [node, status] of Object.entries(nodeStatuses)) diagnosis.nodeStatuses.set(node, status);
  } else {
    for (const [node, status] of Object.entries(nodeStatuses)) diagnosis.recordNode(node, status);
  }
  if (messages.postFilter) diagnosis.postFilterMessage = messages.postFilter;
  return diagnosis;
}

const unschedulable = (reason: string) => new Status(Code.Unschedulable, [reason]);

describe('fitErrorMessage', () => {
  // Upstream's TestFitError_Error, row for row.
  const preFilterFailed = {
    node1: unschedulable('Node(s) failed PreFilter plugin FalsePreFilter'),
    node2: unschedulable('Node(s) failed PreFilter plugin FalsePreFilter'),
    node3: unschedulable('Node(s) failed PreFilter plugin FalsePreFilter'),
  };
  const oneFilterFailed = {
    node1: unschedulable('Node(s) failed Filter plugin FalseFilter-1'),
    node2: unschedulable('Node(s) failed Filter plugin FalseFilter-1'),
    node3: unschedulable('Node(s) failed Filter plugin FalseFilter-1'),
  };
  const twoFiltersFailed = {
    node1: unschedulable('Node(s) failed Filter plugin FalseFilter-1'),
    node2: unschedulable('Node(s) failed Filter plugin FalseFilter-1'),
    node3: unschedulable('Node(s) failed Filter plugin FalseFilter-2'),
  };
  const upstream: { name: string; numAllNodes: number; diagnosis: Diagnosis; want: string }[] = [
    {
      name: 'nodes failed Prefilter plugin',
      numAllNodes: 3,
      diagnosis: diagnosisOf(preFilterFailed, { preFilter: 'Node(s) failed PreFilter plugin FalsePreFilter' }),
      want: '0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter.',
    },
    {
      name: 'nodes failed Prefilter plugin and the preemption also failed',
      numAllNodes: 3,
      diagnosis: diagnosisOf(preFilterFailed, {
        preFilter: 'Node(s) failed PreFilter plugin FalsePreFilter',
        postFilter: 'Error running PostFilter plugin FailedPostFilter',
      }),
      want: '0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter. Error running PostFilter plugin FailedPostFilter',
    },
    {
      name: 'nodes failed one Filter plugin with an empty PostFilterMsg',
      numAllNodes: 3,
      diagnosis: diagnosisOf(oneFilterFailed),
      want: '0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1.',
    },
    {
      name: 'nodes failed one Filter plugin with a non-empty PostFilterMsg',
      numAllNodes: 3,
      diagnosis: diagnosisOf(oneFilterFailed, { postFilter: 'Error running PostFilter plugin FailedPostFilter' }),
      want: '0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1. Error running PostFilter plugin FailedPostFilter',
    },
    {
      name: 'nodes failed two Filter plugins with an empty PostFilterMsg',
      numAllNodes: 3,
      diagnosis: diagnosisOf(twoFiltersFailed),
      want: '0/3 nodes are available: 1 Node(s) failed Filter plugin FalseFilter-2, 2 Node(s) failed Filter plugin FalseFilter-1.',
    },
    {
      name: 'nodes failed two Filter plugins with a non-empty PostFilterMsg',
      numAllNodes: 3,
      diagnosis: diagnosisOf(twoFiltersFailed, { postFilter: 'Error running PostFilter plugin FailedPostFilter' }),
      want: '0/3 nodes are available: 1 Node(s) failed Filter plugin FalseFilter-2, 2 Node(s) failed Filter plugin FalseFilter-1. Error running PostFilter plugin FailedPostFilter',
    },
    {
      name: 'failed to Permit on node',
      numAllNodes: 1,
      diagnosis: diagnosisOf({ node1: unschedulable('Node failed Permit plugin Permit-1') }),
      want: '0/1 nodes are available: 1 Node failed Permit plugin Permit-1.',
    },
    {
      name: 'failed to Reserve on node',
      numAllNodes: 1,
      diagnosis: diagnosisOf({ node1: unschedulable('Node failed Reserve plugin Reserve-1') }),
      want: '0/1 nodes are available: 1 Node failed Reserve plugin Reserve-1.',
    },
  ];
  test.each(upstream)('upstream: $name', ({ numAllNodes, diagnosis, want }) => {
    expect(fitErrorMessage(numAllNodes, diagnosis)).toBe(want);
  });

  const nodes = (count: number, status: Status, prefix: string) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, status]));

  const ours: { name: string; numAllNodes: number; diagnosis: Diagnosis; want: string }[] = [
    {
      name: 'the histogram sorts as Go\'s sort.Strings: "10 …" before "2 …"',
      numAllNodes: 12,
      diagnosis: diagnosisOf({ ...nodes(2, unschedulable('node(s) had untolerated taint(s)'), 't'), ...nodes(10, unschedulable('Insufficient cpu'), 'c') }),
      want: '0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint(s).',
    },
    {
      name: 'byte order, not locale order: upper case before lower case',
      numAllNodes: 2,
      diagnosis: diagnosisOf({ a: unschedulable('b reason'), b: unschedulable('C reason') }),
      want: '0/2 nodes are available: 1 C reason, 1 b reason.',
    },
    {
      name: 'each reason of a node counts',
      numAllNodes: 2,
      diagnosis: diagnosisOf({
        n1: new Status(Code.Unschedulable, ['Insufficient cpu', 'Insufficient memory']),
        n2: new Status(Code.Unschedulable, ['Insufficient cpu']),
      }),
      want: '0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.',
    },
    {
      name: 'the PreFilter message replaces the node histogram',
      numAllNodes: 2,
      diagnosis: (() => {
        const d = diagnosisOf({ n1: unschedulable('Insufficient cpu') });
        d.preFilterMessage = "node(s) didn't satisfy plugin NodeAffinity";
        return d;
      })(),
      want: "0/2 nodes are available: node(s) didn't satisfy plugin NodeAffinity.",
    },
    {
      name: 'the PostFilter message is appended after a single space, with no period added',
      numAllNodes: 1,
      diagnosis: diagnosisOf(
        { n1: unschedulable('Insufficient cpu') },
        { postFilter: 'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.' },
      ),
      want: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    },
    {
      name: 'a PostFilter message without a trailing period stays without one',
      numAllNodes: 1,
      diagnosis: diagnosisOf({ n1: unschedulable('x') }, { postFilter: 'not eligible' }),
      want: '0/1 nodes are available: 1 x. not eligible',
    },
    {
      name: 'no node at all: upstream\'s ErrNoNodesAvailable',
      numAllNodes: 0,
      diagnosis: new Diagnosis(),
      want: 'no nodes available to schedule pods',
    },
  ];
  test.each(ours)('$name', ({ numAllNodes, diagnosis, want }) => {
    expect(fitErrorMessage(numAllNodes, diagnosis)).toBe(want);
  });

  test('the constants', () => {
    expect(NO_NODE_AVAILABLE(7)).toBe('0/7 nodes are available');
    expect(NO_NODES_TO_SCHEDULE).toBe('no nodes available to schedule pods');
  });
});

describe('Diagnosis.recordNode', () => {
  test('keeps the status per node, counts each reason, and names the rejecting plugin', () => {
    const d = new Diagnosis();
    const fit = new Status(Code.Unschedulable, ['Insufficient cpu'], 'NodeResourcesFit');
    const taint = new Status(Code.UnschedulableAndUnresolvable, ['node(s) had untolerated taint(s)'], 'TaintToleration');
    const anonymous = new Status(Code.UnschedulableAndUnresolvable, ["node(s) didn't satisfy plugin(s) [NodeAffinity]"]);
    d.recordNode('n1', fit);
    d.recordNode('n2', fit);
    d.recordNode('n3', taint);
    d.recordNode('n4', anonymous);
    expect(Object.fromEntries(d.reasons)).toEqual({
      'Insufficient cpu': 2,
      'node(s) had untolerated taint(s)': 1,
      "node(s) didn't satisfy plugin(s) [NodeAffinity]": 1,
    });
    expect([...d.unschedulablePlugins].sort()).toEqual(['NodeResourcesFit', 'TaintToleration']);
    expect(d.nodeStatuses.get('n3')).toBe(taint);
    expect(d.nodeStatuses.size).toBe(4);
  });
});

describe('FitError', () => {
  test('is an Error whose message is fitErrorMessage, keeping the diagnosis', () => {
    const d = diagnosisOf({ n1: unschedulable('Insufficient cpu') });
    const err = new FitError(3, d);
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.message, err.numAllNodes, err.diagnosis]).toEqual(['FitError', '0/3 nodes are available: 1 Insufficient cpu.', 3, d]);
  });
});
