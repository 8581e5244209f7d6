import { beforeEach, describe, expect, it } from 'vitest';
import type { JourneyNode } from '../lib/journey';
import type { NodeKind } from '../api/types';
import { resetEditor, useGraphStore } from './graphStore';
import { isReadOnly, useSessionStore } from './sessionStore';
import { freeOffset, rectOf } from '../lib/placement';
import { nodeKind } from '../test/kinds';

const store = () => useGraphStore.getState();
const session = () => useSessionStore.getState();

function node(id: string, kind = 'wait', x = 0): JourneyNode {
  return { id, type: 'journey', position: { x, y: 0 }, data: { kind, label: id, config: {} } };
}

beforeEach(() => {
  resetEditor();
});

describe('journey store', () => {
  it('starts empty and unsaved', () => {
    expect(session().journeyId).toBeNull();
    expect(store().nodes).toEqual([]);
    expect(store().edges).toEqual([]);
  });

  it('loads a journey and resets it', () => {
    store().loadJourney('42', { nodes: [node('t', 'trigger')], edges: [] });
    expect(session().journeyId).toBe('42');
    expect(store().nodes.map((n) => n.id)).toEqual(['t']);

    resetEditor();
    expect(session().journeyId).toBeNull();
    expect(store().nodes).toEqual([]);
  });

  it('starts a fresh session on load: nothing to undo, saved, the draft on screen', () => {
    store().loadJourney('1', { nodes: [node('a')], edges: [] });
    store().updateNodeData('a', { label: 'Edited' });
    session().rename('Edited');
    store().viewVersion(1, { nodes: [node('old')], edges: [] });
    expect(store().past.length + session().revision).toBeGreaterThan(0);

    store().loadJourney('2', { nodes: [node('b')], edges: [] });
    expect(store()).toMatchObject({ past: [], future: [], stashedDraft: null });
    expect(session()).toMatchObject({ journeyId: '2', revision: 0, saveState: 'saved', viewingVersion: null });
    expect(store().nodes.map((n) => n.id)).toEqual(['b']);
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

const KINDS: NodeKind[] = [
  nodeKind({
    kind: 'wait',
    label: 'Wait',
    category: 'flow',
    waits: true,
    config: [{ name: 'mode', type: 'choice', required: true, label: 'Mode', help: '', choices: ['duration', 'until'] }],
  }),
];

describe('editing', () => {
  beforeEach(() => {
    store().setCatalog(KINDS);
    store().loadJourney('1', { nodes: [node('a'), node('b', 'wait', 300)], edges: [] }, { status: 'draft' });
  });

  it('adds a catalog kind with its default config, selected alone, and marks the draft unsaved', () => {
    store().onNodesChange([{ type: 'select', id: 'a', selected: true }]);

    const id = store().addNodeOfKind('wait', { x: 10, y: 20 });

    expect(id).toBe('wait');
    const added = store().nodes.find((n) => n.id === 'wait');
    expect(added?.data).toEqual({ kind: 'wait', label: 'Wait', config: { mode: 'duration' } });
    expect(store().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['wait']);
    expect(session().saveState).toBe('unsaved');
    expect(store().addNodeOfKind('no-such-kind', { x: 0, y: 0 })).toBeNull();
  });

  it('undoes and redoes edits, and a new edit clears redo', () => {
    store().onConnect({ source: 'a', sourceHandle: 'next', target: 'b', targetHandle: null });
    store().updateNodeData('a', { label: 'First' });

    store().undo();
    expect(store().nodes.find((n) => n.id === 'a')?.data.label).toBe('a');
    store().undo();
    expect(store().edges).toEqual([]);
    store().redo();
    expect(store().edges).toHaveLength(1);

    store().addNodeOfKind('wait', { x: 0, y: 0 });
    expect(store().future).toEqual([]);
    store().redo();
    expect(store().nodes.find((n) => n.id === 'a')?.data.label).toBe('a');
  });

  it('undoes a burst of typing in one node as one step', () => {
    store().updateNodeData('a', { label: 'W' });
    store().updateNodeData('a', { label: 'We' });
    store().updateNodeData('a', { label: 'Wel' });

    store().undo();
    expect(store().nodes.find((n) => n.id === 'a')?.data.label).toBe('a');
  });

  it('remembers a drag once, when it starts', () => {
    store().onNodesChange([{ type: 'position', id: 'a', position: { x: 5, y: 0 }, dragging: true }]);
    store().onNodesChange([{ type: 'position', id: 'a', position: { x: 50, y: 0 }, dragging: true }]);
    store().onNodesChange([{ type: 'position', id: 'a', position: { x: 60, y: 0 }, dragging: false }]);

    expect(store().past).toHaveLength(1);
    store().undo();
    expect(store().nodes.find((n) => n.id === 'a')?.position).toEqual({ x: 0, y: 0 });
  });

  it('does not count selection or measuring as a change', () => {
    store().onNodesChange([{ type: 'select', id: 'a', selected: true }]);
    store().onNodesChange([{ type: 'dimensions', id: 'a', dimensions: { width: 200, height: 90 } }]);

    expect(session().revision).toBe(0);
    expect(session().saveState).toBe('saved');
  });

  it('moves an edge when its port is connected again: a port leads to one node', () => {
    store().addNode(node('c'));
    store().onConnect({ source: 'a', sourceHandle: 'next', target: 'b', targetHandle: null });
    store().onConnect({ source: 'a', sourceHandle: 'next', target: 'c', targetHandle: null });

    expect(store().edges.map((e) => e.target)).toEqual(['c']);
  });

  it('deletes the selection with the edges touching it', () => {
    store().addNode(node('c'));
    store().onConnect({ source: 'a', sourceHandle: 'next', target: 'b', targetHandle: null });
    store().onConnect({ source: 'b', sourceHandle: 'next', target: 'c', targetHandle: null });
    store().selectOnly('b');

    store().deleteSelection();

    expect(store().nodes.map((n) => n.id)).toEqual(['a', 'c']);
    expect(store().edges).toEqual([]);
  });

  it('copies and pastes a sub-graph with new ids, further along each time', () => {
    store().onConnect({ source: 'a', sourceHandle: 'next', target: 'b', targetHandle: null });
    store().onNodesChange([
      { type: 'select', id: 'a', selected: true },
      { type: 'select', id: 'b', selected: true },
    ]);

    store().copySelection();
    store().paste();
    store().paste();

    expect(store().nodes.map((n) => n.id)).toEqual(['a', 'b', 'a-2', 'b-2', 'a-3', 'b-3']);
    // Each copy keeps its shape and lands where it covers no step, the earlier copies included.
    const at = Object.fromEntries(store().nodes.map((n) => [n.id, n.position]));
    expect(at['b-3']!.x - at['a-3']!.x).toBe(300);
    const rects = store().nodes.map(rectOf);
    rects.forEach((r, i) => rects.slice(i + 1).forEach((o) => expect(freeOffset([r], [o], 0)).toEqual({ x: 0, y: 0 })));
    expect(store().edges.map((e) => `${e.source}>${e.target}`)).toEqual(['a>b', 'a-2>b-2', 'a-3>b-3']);
    expect(store().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['a-3', 'b-3']);
  });

  it('lays the graph out as one undoable step', () => {
    store().onConnect({ source: 'a', sourceHandle: 'next', target: 'b', targetHandle: null });
    store().autoLayout();

    const [a, b] = store().nodes;
    expect(b!.position.y).toBeGreaterThan(a!.position.y);
    store().undo();
    expect(store().nodes.find((n) => n.id === 'b')?.position).toEqual({ x: 300, y: 0 });
  });
});

describe('read-only', () => {
  beforeEach(() => {
    store().setCatalog(KINDS);
    store().loadJourney('1', { nodes: [node('a'), node('b')], edges: [] });
  });

  it('refuses every change for a user who may not edit, but still selects', () => {
    session().setCanEdit(false);

    store().addNodeOfKind('wait', { x: 0, y: 0 });
    store().onConnect({ source: 'a', sourceHandle: null, target: 'b', targetHandle: null });
    store().onNodesChange([{ type: 'remove', id: 'a' }]);
    store().onNodesChange([{ type: 'position', id: 'a', position: { x: 9, y: 9 } }]);
    store().updateNodeData('a', { label: 'changed' });
    store().onNodesChange([{ type: 'select', id: 'a', selected: true }]);
    store().deleteSelection();

    expect(store().nodes.map((n) => [n.id, n.data.label, n.position.x])).toEqual([
      ['a', 'a', 0],
      ['b', 'b', 0],
    ]);
    expect(store().nodes[0]?.selected).toBe(true);
    expect(store().edges).toEqual([]);
    expect(session().revision).toBe(0);
  });

  it('shows an older version read-only and gives the draft back untouched', () => {
    store().viewVersion(1, { nodes: [node('old')], edges: [] });

    expect(isReadOnly(session())).toBe(true);
    store().updateNodeData('old', { label: 'nope' });
    expect(store().nodes.map((n) => n.data.label)).toEqual(['old']);

    store().backToDraft();
    expect(isReadOnly(session())).toBe(false);
    expect(store().nodes.map((n) => n.id)).toEqual(['a', 'b']);
  });
});

describe('keyboard delete', () => {
  it('undoes the node and edge removals React Flow reports separately as one step', () => {
    store().loadJourney('1', { nodes: [node('a'), node('b')], edges: [] });
    store().onConnect({ source: 'a', sourceHandle: 'next', target: 'b', targetHandle: null });

    store().onEdgesChange([{ type: 'remove', id: 'e-a-next-b' }]);
    store().onNodesChange([{ type: 'remove', id: 'b' }]);
    store().undo();

    expect(store().nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(store().edges.map((e) => e.id)).toEqual(['e-a-next-b']);
  });
});

describe('what the session learns from graph edits', () => {
  beforeEach(() => {
    store().setCatalog(KINDS);
    store().loadJourney('1', { nodes: [node('a'), node('b', 'wait', 300)], edges: [] }, { status: 'draft' });
  });

  it('counts every kind of edit, undo and redo among them, as a change to save', () => {
    const edits = [
      () => store().addNodeOfKind('wait', { x: 0, y: 0 }),
      () => store().onConnect({ source: 'a', sourceHandle: 'next', target: 'b', targetHandle: null }),
      () => store().updateNodeData('a', { label: 'x' }),
      () => store().onNodesChange([{ type: 'position', id: 'a', position: { x: 1, y: 1 } }]),
      () => store().autoLayout(),
      () => store().undo(),
      () => store().redo(),
      () => store().selectOnly('b'),
      () => store().deleteSelection(),
    ];
    // selectOnly is the one step here that is not an edit.
    const expected = [1, 2, 3, 4, 5, 6, 7, 7, 8];
    edits.forEach((edit, i) => {
      edit();
      expect(session().revision, `after edit ${i}`).toBe(expected[i]);
    });
    expect(session().saveState).toBe('unsaved');
  });

  it('keeps a save in flight as saving, and leaves the later edit unsaved when it lands', () => {
    store().updateNodeData('a', { label: 'x' });
    const sent = session().markSaving();
    store().updateNodeData('b', { label: 'y' });
    expect(session().saveState).toBe('saving');

    session().markSaved(sent);

    expect(session().saveState).toBe('unsaved');
  });

  it('takes read-only from the session: an archived journey cannot be edited', () => {
    session().setMeta({ status: 'archived' });

    store().updateNodeData('a', { label: 'changed' });
    store().autoLayout();

    expect(store().nodes.map((n) => n.data.label)).toEqual(['a', 'b']);
    expect(session().revision).toBe(0);
  });

  it('puts the session on the shown version and back on the draft', () => {
    store().viewVersion(3, { nodes: [node('old')], edges: [] });
    expect(session().viewingVersion).toBe(3);

    store().backToDraft();
    expect(session().viewingVersion).toBeNull();
    expect(store().stashedDraft).toBeNull();
  });
});
