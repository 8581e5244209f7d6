import { describe, expect, it } from 'vitest';
import {
  cloneSubgraph,
  findUnreachableNodeIds,
  freshNodeId,
  fromStoredGraph,
  sameJson,
  sameStoredGraph,
  toStoredGraph,
} from './graph';
import type { JourneyEdge, JourneyNode } from './journey';

// In the editor this comes from the catalog's categories; the tests name their own trigger kind.
const startsJourneys = (kind: string) => kind === 'trigger';

function node(id: string, kind: string): JourneyNode {
  return { id, type: 'journey', position: { x: 0, y: 0 }, data: { kind, label: id, config: {} } };
}

function edge(source: string, target: string, sourceHandle: string | null = null): JourneyEdge {
  return { id: `${source}->${target}`, source, sourceHandle, target };
}

describe('findUnreachableNodeIds', () => {
  it('returns nothing for an empty graph', () => {
    expect(findUnreachableNodeIds([], [], startsJourneys)).toEqual([]);
  });

  it('follows edges forward from a trigger through branches', () => {
    const nodes = [node('t', 'trigger'), node('split', 'branch'), node('yes', 'send_email'), node('no', 'wait')];
    const edges = [edge('t', 'split'), edge('split', 'yes', 'true'), edge('split', 'no', 'false')];
    expect(findUnreachableNodeIds(nodes, edges, startsJourneys)).toEqual([]);
  });

  it('lists disconnected nodes and nodes only reachable backwards, in node order', () => {
    const nodes = [node('orphan', 'wait'), node('t', 'trigger'), node('a', 'send_email'), node('feeder', 'wait')];
    // feeder -> a exists, but nothing leads to feeder.
    const edges = [edge('t', 'a'), edge('feeder', 'a')];
    expect(findUnreachableNodeIds(nodes, edges, startsJourneys)).toEqual(['orphan', 'feeder']);
  });

  it('treats every node as unreachable when there is no trigger', () => {
    const nodes = [node('a', 'send_email'), node('b', 'wait')];
    expect(findUnreachableNodeIds(nodes, [edge('a', 'b')], startsJourneys)).toEqual(['a', 'b']);
  });

  it('handles several triggers and cycles', () => {
    const nodes = [
      node('t1', 'trigger'),
      node('t2', 'trigger'),
      node('a', 'wait'),
      node('b', 'wait'),
      node('c', 'wait'),
      node('island1', 'wait'),
      node('island2', 'wait'),
    ];
    const edges = [
      edge('t1', 'a'),
      edge('a', 'b'),
      edge('b', 'a'),
      edge('t2', 'c'),
      edge('island1', 'island2'),
      edge('island2', 'island1'),
    ];
    expect(findUnreachableNodeIds(nodes, edges, startsJourneys)).toEqual(['island1', 'island2']);
  });

  it('ignores edges that point at unknown nodes', () => {
    const nodes = [node('t', 'trigger'), node('a', 'wait')];
    expect(findUnreachableNodeIds(nodes, [edge('t', 'ghost'), edge('ghost', 'a')], startsJourneys)).toEqual(['a']);
  });

  it('decides trigger-ness by data.kind, not by the React Flow type', () => {
    const fake: JourneyNode = { ...node('x', 'wait'), type: 'trigger' };
    expect(findUnreachableNodeIds([fake], [], startsJourneys)).toEqual(['x']);
  });
});

describe('graph helpers', () => {
  it('makes readable fresh ids', () => {
    expect(freshNodeId('wait', new Set())).toBe('wait');
    expect(freshNodeId('wait', new Set(['wait', 'wait-2']))).toBe('wait-3');
    expect(freshNodeId('a b/c', new Set())).toBe('a-b-c');
  });

  it('stores only the documented fields', () => {
    const stored = toStoredGraph({
      nodes: [{ ...node('a', 'wait'), selected: true, measured: { width: 10, height: 5 }, position: { x: 1.4, y: 2.6 } }],
      edges: [{ ...edge('a', 'b'), selected: true, label: '3' }],
    });
    expect(stored).toEqual({
      nodes: [{ id: 'a', type: 'journey', position: { x: 1, y: 3 }, data: { kind: 'wait', label: 'a', config: {} } }],
      edges: [{ id: 'a->b', source: 'a', sourceHandle: null, target: 'b' }],
    });
  });

  it('reads a stored graph with missing parts', () => {
    const graph = fromStoredGraph({
      nodes: [{ id: 'x', position: { x: 5, y: 6 }, data: { kind: 'exit' } } as unknown as JourneyNode],
    });
    expect(graph.nodes[0]?.data).toEqual({ kind: 'exit', label: '', config: {} });
    expect(graph.edges).toEqual([]);
  });

  it('reads whatever JSON the API holds as a graph without throwing', () => {
    expect(fromStoredGraph(null)).toEqual({ nodes: [], edges: [] });
    expect(fromStoredGraph('graph')).toEqual({ nodes: [], edges: [] });
    expect(fromStoredGraph({ nodes: 'none', edges: {} })).toEqual({ nodes: [], edges: [] });

    const graph = fromStoredGraph({ nodes: [null, { id: 7, data: { config: [1] } }], edges: [{ id: 'e', sourceHandle: 3 }] });

    expect(graph.nodes.map((n) => [n.id, n.position, n.data.config])).toEqual([['7', { x: 0, y: 0 }, {}]]);
    expect(graph.edges[0]?.sourceHandle).toBeNull();
  });

  it('clones a selection with new ids, keeping only the edges inside it', () => {
    const copy = cloneSubgraph(
      [node('a', 'wait'), node('b', 'exit')],
      [edge('a', 'b', 'next'), edge('b', 'c')],
      new Set(['a', 'b']),
      { x: 40, y: 40 },
    );
    expect(copy.nodes.map((n) => [n.id, n.position])).toEqual([
      ['a-2', { x: 40, y: 40 }],
      ['b-2', { x: 40, y: 40 }],
    ]);
    expect(copy.edges).toEqual([{ id: 'e-a-2-next-b-2', source: 'a-2', sourceHandle: 'next', target: 'b-2' }]);
  });
});

describe('sameJson', () => {
  it('ignores the order of object keys, at any depth', () => {
    expect(sameJson({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 })).toBe(true);
  });

  it('keeps the order of array items', () => {
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });

  it('sees a changed, added or removed value', () => {
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameJson({ a: 1, b: 2 }, { a: 1 })).toBe(false);
  });

  it('tells null, an empty object, an empty array and a string apart', () => {
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson({}, [])).toBe(false);
    expect(sameJson('1', 1)).toBe(false);
  });

  it('treats a key holding undefined as absent, as JSON does', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  });
});

describe('sameStoredGraph', () => {
  const draft = {
    nodes: [
      {
        id: 'split',
        type: 'journey',
        position: { x: 10, y: 20 },
        data: { kind: 'split', label: 'Test', config: { variants: [{ key: 'A', weight: 50 }, { key: 'B', weight: 50 }] } },
      },
    ],
    edges: [edge('split', 'end', 'A')],
  };

  it('finds a published graph whose keys came back from the server in another order the same', () => {
    // PostgreSQL's JSONB orders keys by length, then bytes: how a published version comes back.
    const published = {
      edges: [{ id: 'split->end', source: 'split', target: 'end', sourceHandle: 'A' }],
      nodes: [
        {
          id: 'split',
          data: { kind: 'split', label: 'Test', config: { variants: [{ key: 'A', weight: 50 }, { weight: 50, key: 'B' }] } },
          type: 'journey',
          position: { y: 20, x: 10 },
        },
      ],
    };
    expect(JSON.stringify(toStoredGraph(fromStoredGraph(published)))).not.toBe(JSON.stringify(toStoredGraph(draft)));
    expect(sameStoredGraph(published, draft)).toBe(true);
  });

  it('sees a config change', () => {
    const published = structuredClone(draft);
    (published.nodes[0]!.data.config.variants[0] as { weight: number }).weight = 40;
    expect(sameStoredGraph(published, draft)).toBe(false);
  });
});
