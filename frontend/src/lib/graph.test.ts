import { describe, expect, it } from 'vitest';
import { findUnreachableNodeIds } from './graph';
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
