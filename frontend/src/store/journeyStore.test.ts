import { beforeEach, describe, expect, it } from 'vitest';
import type { JourneyNode } from '../lib/journey';
import { useJourneyStore } from './journeyStore';

const store = () => useJourneyStore.getState();

function node(id: string, kind = 'wait', x = 0): JourneyNode {
  return { id, type: 'journey', position: { x, y: 0 }, data: { kind, label: id, config: {} } };
}

beforeEach(() => {
  store().reset();
});

describe('journey store', () => {
  it('starts empty and unsaved', () => {
    expect(store().journeyId).toBeNull();
    expect(store().nodes).toEqual([]);
    expect(store().edges).toEqual([]);
  });

  it('loads a journey and resets it', () => {
    store().loadJourney('42', { nodes: [node('t', 'trigger')], edges: [] });
    expect(store().journeyId).toBe('42');
    expect(store().nodes.map((n) => n.id)).toEqual(['t']);

    store().reset();
    expect(store().journeyId).toBeNull();
    expect(store().nodes).toEqual([]);
  });

  it('applies node moves, selection and removal from React Flow', () => {
    store().addNode(node('a'));
    store().addNode(node('b'));

    store().onNodesChange([{ type: 'position', id: 'a', position: { x: 120, y: 40 } }]);
    store().onNodesChange([{ type: 'select', id: 'b', selected: true }]);
    expect(store().nodes.find((n) => n.id === 'a')?.position).toEqual({ x: 120, y: 40 });
    expect(store().nodes.find((n) => n.id === 'b')?.selected).toBe(true);

    store().onNodesChange([{ type: 'remove', id: 'a' }]);
    expect(store().nodes.map((n) => n.id)).toEqual(['b']);
  });

  it('connects nodes with a stable id, keeping the source handle', () => {
    store().loadJourney(null, { nodes: [node('t', 'trigger'), node('split', 'branch'), node('x')], edges: [] });

    store().onConnect({ source: 't', sourceHandle: null, target: 'split', targetHandle: null });
    store().onConnect({ source: 'split', sourceHandle: 'true', target: 'x', targetHandle: null });

    expect(store().edges).toEqual([
      { id: 'e-t-out-split', source: 't', sourceHandle: null, target: 'split' },
      { id: 'e-split-true-x', source: 'split', sourceHandle: 'true', target: 'x' },
    ]);
  });

  it('ignores duplicate connections and self-loops', () => {
    store().loadJourney(null, { nodes: [node('a'), node('b')], edges: [] });
    const connection = { source: 'a', sourceHandle: null, target: 'b', targetHandle: null };

    store().onConnect(connection);
    const before = store().edges;
    store().onConnect(connection);
    expect(store().edges).toBe(before);
    store().onConnect({ source: 'a', sourceHandle: null, target: 'a', targetHandle: null });

    expect(store().edges.map((e) => e.id)).toEqual(['e-a-out-b']);
  });

  it('removes edges through onEdgesChange', () => {
    store().loadJourney(null, { nodes: [node('a'), node('b')], edges: [] });
    store().onConnect({ source: 'a', sourceHandle: null, target: 'b', targetHandle: null });

    store().onEdgesChange([{ type: 'remove', id: 'e-a-out-b' }]);
    expect(store().edges).toEqual([]);
  });
});
