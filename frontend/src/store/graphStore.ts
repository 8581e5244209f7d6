/**
 * The journey graph on the canvas and the edits made to it: React Flow's changes, undo/redo,
 * the clipboard and selection-driven edits. Whether an edit is allowed and that it needs saving
 * are the session's business: every edit asks `isReadOnly` first and then calls `noteEdit`.
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type EdgeChange,
  type NodeChange,
  type OnConnect,
  type OnEdgesChange,
  type OnNodesChange,
  type XYPosition,
} from '@xyflow/react';
import { create } from 'zustand';
import type { NodeKind } from '../api/types';
import { initialConfig, portsOf } from '../lib/catalog';
import { cloneSubgraph, edgeIdFor, freshNodeId } from '../lib/graph';
import type { JourneyEdge, JourneyGraph, JourneyNode, JourneyNodeData } from '../lib/journey';
import { DEFAULT_SIZE, layoutGraph } from '../lib/layout';
import { freeOffset, freeSpot, rectOf } from '../lib/placement';
import { isReadOnly, useSessionStore, type JourneyMeta } from './sessionStore';

/** How many graph states undo can go back through. */
const HISTORY_LIMIT = 100;
/** Edits of one node closer together than this are undone as one step (typing a label). */
const COALESCE_MS = 1000;
const PASTE_OFFSET = { x: 40, y: 40 };
/** React Flow reports one keyboard delete as separate node and edge removals; undo them together. */
const REMOVAL_BURST_MS = 100;

export interface GraphState extends JourneyGraph {
  catalog: Record<string, NodeKind>;
  past: JourneyGraph[];
  future: JourneyGraph[];
  lastEdit: { key: string; at: number } | null;
  dragging: boolean;
  clipboard: JourneyGraph | null;
  /** The draft, kept aside while an older version is on screen. */
  stashedDraft: JourneyGraph | null;

  /** Handlers React Flow calls when the user drags, selects, deletes or connects. */
  onNodesChange: OnNodesChange<JourneyNode>;
  onEdgesChange: OnEdgesChange<JourneyEdge>;
  onConnect: OnConnect;

  setCatalog: (kinds: readonly NodeKind[]) => void;
  /** Replaces the whole graph, e.g. after loading a journey from the API; clears undo and starts a session. */
  loadJourney: (journeyId: string | null, graph: JourneyGraph, meta?: Partial<JourneyMeta>) => void;
  addNode: (node: JourneyNode) => void;
  /** Adds a node of a catalog kind at `position` with its default config, selected alone. */
  addNodeOfKind: (kind: string, position: XYPosition) => string | null;
  updateNodeData: (id: string, patch: Partial<JourneyNodeData>) => void;
  deleteSelection: () => void;
  selectOnly: (nodeId: string | null) => void;
  copySelection: () => void;
  paste: () => void;
  autoLayout: () => void;
  undo: () => void;
  redo: () => void;

  /** Shows a published version read-only, keeping the draft aside. */
  viewVersion: (number: number, graph: JourneyGraph) => void;
  backToDraft: () => void;
  /** Back to an empty graph. */
  reset: () => void;
}

type GraphData = Pick<
  GraphState,
  'nodes' | 'edges' | 'catalog' | 'past' | 'future' | 'lastEdit' | 'dragging' | 'clipboard' | 'stashedDraft'
>;

const initialData = (): GraphData => ({
  nodes: [],
  edges: [],
  catalog: {},
  past: [],
  future: [],
  lastEdit: null,
  dragging: false,
  clipboard: null,
  stashedDraft: null,
});

const session = () => useSessionStore.getState();
const readOnly = () => isReadOnly(session());

function graphOf(state: JourneyGraph): JourneyGraph {
  return { nodes: state.nodes, edges: state.edges };
}

function isStructural(change: NodeChange<JourneyNode> | EdgeChange<JourneyEdge>): boolean {
  return change.type === 'remove' || change.type === 'add' || change.type === 'replace';
}

export const useGraphStore = create<GraphState>()((set, get) => {
  /** Applies an edit: the old graph goes onto the undo stack (unless told not to) and the session learns the draft changed. */
  const commit = (next: Partial<GraphData>, remember = true) => {
    const state = get();
    set({
      ...next,
      ...(remember ? { past: [...state.past, graphOf(state)].slice(-HISTORY_LIMIT), future: [] } : {}),
    });
    session().noteEdit();
  };

  /** An edit that removes or adds elements; a burst of them (one keyboard delete) is one undo step. */
  const commitStructural = (next: Partial<GraphData>) => {
    const { lastEdit } = get();
    const now = Date.now();
    const burst = lastEdit?.key === 'structure' && now - lastEdit.at < REMOVAL_BURST_MS;
    commit({ ...next, lastEdit: { key: 'structure', at: now } }, !burst);
  };

  return {
    ...initialData(),

    onNodesChange: (changes) => {
      const state = get();
      if (readOnly()) {
        // Selection still works on a read-only canvas; nothing else is applied.
        const allowed = changes.filter((c) => c.type === 'select' || c.type === 'dimensions');
        set({ nodes: applyNodeChanges(allowed, state.nodes) });
        return;
      }
      const nodes = applyNodeChanges(changes, state.nodes);
      const moves = changes.filter((c) => c.type === 'position' && c.position);
      const structural = changes.some(isStructural);
      const dragStart = changes.some((c) => c.type === 'position' && c.dragging) && !state.dragging;
      const dragging = changes.some((c) => c.type === 'position')
        ? changes.some((c) => c.type === 'position' && c.dragging)
        : state.dragging;
      if (!structural && moves.length === 0) set({ nodes, dragging });
      else if (structural) commitStructural({ nodes, dragging });
      // A drag is one undo step: the graph is remembered when it starts, not on every move.
      else commit({ nodes, dragging, lastEdit: null }, dragStart);
    },
    onEdgesChange: (changes) => {
      const state = get();
      if (readOnly()) {
        set({ edges: applyEdgeChanges(changes.filter((c) => c.type === 'select'), state.edges) });
        return;
      }
      const edges = applyEdgeChanges(changes, state.edges);
      if (changes.some(isStructural)) commitStructural({ edges });
      else set({ edges });
    },
    onConnect: (connection) => {
      const state = get();
      if (readOnly()) return;
      // A step never leads back to itself directly.
      if (connection.source === connection.target) return;
      // Edges keep the API shape: the source handle tells which port of a step is followed.
      // Journey steps have a single input, so the target handle is not stored.
      const edge: JourneyEdge = {
        id: edgeIdFor(connection.source, connection.sourceHandle, connection.target),
        source: connection.source,
        sourceHandle: connection.sourceHandle ?? null,
        target: connection.target,
      };
      if (state.edges.some((e) => e.id === edge.id)) return;
      // A port leads to one node: connecting it again moves the edge.
      const samePort = (e: JourneyEdge) =>
        e.source === edge.source && (e.sourceHandle ?? null) === (edge.sourceHandle ?? null);
      commit({ edges: [...state.edges.filter((e) => !samePort(e)), edge], lastEdit: null });
    },

    setCatalog: (kinds) => {
      set({ catalog: Object.fromEntries(kinds.map((k) => [k.kind, k])) });
    },
    loadJourney: (journeyId, graph, meta) => {
      set({ nodes: graph.nodes, edges: graph.edges, past: [], future: [], lastEdit: null, stashedDraft: null });
      session().start(journeyId, meta);
    },
    addNode: (node) => {
      commit({ nodes: [...get().nodes, node], lastEdit: null });
    },
    addNodeOfKind: (kind, position) => {
      const state = get();
      const spec = state.catalog[kind];
      if (!spec || readOnly()) return null;
      const id = freshNodeId(kind, new Set(state.nodes.map((n) => n.id)));
      const node: JourneyNode = {
        id,
        type: 'journey',
        // Never on top of another step: the nearest free spot to where it was dropped.
        position: freeSpot(position, DEFAULT_SIZE, state.nodes),
        selected: true,
        data: { kind, label: spec.label, config: initialConfig(spec.config) },
      };
      commit({
        nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
        edges: state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        lastEdit: null,
      });
      return id;
    },
    updateNodeData: (id, patch) => {
      const state = get();
      if (readOnly()) return;
      const now = Date.now();
      const key = `node:${id}`;
      const coalesce = state.lastEdit?.key === key && now - state.lastEdit.at < COALESCE_MS;
      const nodes = state.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n));
      commit({ nodes, lastEdit: { key, at: now } }, !coalesce);
    },
    deleteSelection: () => {
      const state = get();
      if (readOnly()) return;
      const removed = new Set(state.nodes.filter((n) => n.selected).map((n) => n.id));
      const edges = state.edges.filter((e) => !e.selected && !removed.has(e.source) && !removed.has(e.target));
      if (removed.size === 0 && edges.length === state.edges.length) return;
      commit({ nodes: state.nodes.filter((n) => !removed.has(n.id)), edges, lastEdit: null });
    },
    selectOnly: (nodeId) => {
      set((state) => ({
        nodes: state.nodes.map((n) =>
          (n.id === nodeId) === Boolean(n.selected) ? n : { ...n, selected: n.id === nodeId },
        ),
        edges: state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
    },
    copySelection: () => {
      const state = get();
      const nodes = state.nodes.filter((n) => n.selected);
      if (nodes.length === 0) return;
      const ids = new Set(nodes.map((n) => n.id));
      const edges = state.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
      // Sizes go along, so pasted copies are placed clear of others before they are first drawn.
      const copied = nodes.map(({ id, position, data, measured }) => ({ id, position, data, measured }));
      set({ clipboard: structuredClone({ nodes: copied, edges }) });
    },
    paste: () => {
      const state = get();
      if (!state.clipboard || readOnly()) return;
      const copy = cloneSubgraph(
        state.clipboard.nodes,
        state.clipboard.edges,
        new Set(state.nodes.map((n) => n.id)),
        PASTE_OFFSET,
      );
      // The pasted steps move together to the nearest spot where they cover none on the canvas.
      const sized = copy.nodes.map((n, i) => rectOf({ ...n, measured: state.clipboard?.nodes[i]?.measured }));
      const clear = freeOffset(sized, state.nodes.map(rectOf));
      copy.nodes = copy.nodes.map((n) => ({ ...n, position: { x: n.position.x + clear.x, y: n.position.y + clear.y } }));
      // Pasting again lands one more step down and to the right.
      const shifted = state.clipboard.nodes.map((n) => ({
        ...n,
        position: { x: n.position.x + PASTE_OFFSET.x, y: n.position.y + PASTE_OFFSET.y },
      }));
      commit({
        nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...copy.nodes],
        edges: [...state.edges, ...copy.edges],
        clipboard: { nodes: shifted, edges: state.clipboard.edges },
        lastEdit: null,
      });
    },
    autoLayout: () => {
      if (readOnly()) return;
      const { catalog } = get();
      const ports = (n: JourneyNode) => portsOf(catalog[n.data.kind], n.data.config);
      commit({ nodes: layoutGraph(graphOf(get()), ports).nodes, lastEdit: null });
    },
    undo: () => {
      const state = get();
      const previous = state.past.at(-1);
      if (!previous || readOnly()) return;
      commit(
        { ...previous, past: state.past.slice(0, -1), future: [graphOf(state), ...state.future], lastEdit: null },
        false,
      );
    },
    redo: () => {
      const state = get();
      const next = state.future[0];
      if (!next || readOnly()) return;
      commit({ ...next, past: [...state.past, graphOf(state)], future: state.future.slice(1), lastEdit: null }, false);
    },

    viewVersion: (number, graph) => {
      set((state) => ({ stashedDraft: state.stashedDraft ?? graphOf(state), nodes: graph.nodes, edges: graph.edges }));
      session().setViewingVersion(number);
    },
    backToDraft: () => {
      const { stashedDraft } = get();
      if (!stashedDraft) return;
      set({ ...stashedDraft, stashedDraft: null });
      session().setViewingVersion(null);
    },
    reset: () => set(initialData()),
  };
});

/** Closes whatever journey is open: an empty graph and a fresh session. */
export function resetEditor(): void {
  useGraphStore.getState().reset();
  useSessionStore.getState().reset();
}
