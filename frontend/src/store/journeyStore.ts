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
import type { Counters, JourneyStatus, NodeKind, ValidationResult } from '../api/types';
import { initialConfig } from '../lib/catalog';
import { cloneSubgraph, edgeIdFor, freshNodeId } from '../lib/graph';
import type { JourneyEdge, JourneyGraph, JourneyNode, JourneyNodeData } from '../lib/journey';
import { layoutGraph } from '../lib/layout';
import type { MetricMode } from '../lib/metrics';

export type SaveState = 'saved' | 'unsaved' | 'saving' | 'failed';
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'refused';
export type MetricRange = 'all' | '24h' | '1h';

export interface JourneyMeta {
  name: string;
  status: JourneyStatus;
  currentVersion: number | null;
}

/** How many graph states undo can go back through. */
const HISTORY_LIMIT = 100;
/** Edits of one node closer together than this are undone as one step (typing a label). */
const COALESCE_MS = 1000;
const PASTE_OFFSET = { x: 40, y: 40 };
/** React Flow reports one keyboard delete as separate node and edge removals; undo them together. */
const REMOVAL_BURST_MS = 100;

export interface JourneyState extends JourneyGraph {
  /** Id of the journey being edited, or null before one is loaded. */
  journeyId: string | null;
  meta: JourneyMeta;
  /** From the page: whether this user may change journeys at all. */
  canEdit: boolean;
  /** The published version on screen instead of the draft, or null for the draft. */
  viewingVersion: number | null;
  /** The draft, kept aside while an older version is on screen. */
  stashedDraft: JourneyGraph | null;
  catalog: Record<string, NodeKind>;

  past: JourneyGraph[];
  future: JourneyGraph[];
  /** Bumped by every change that should be saved; `savedRevision` is the last one stored. */
  revision: number;
  savedRevision: number;
  saveState: SaveState;
  saveError: string | null;
  lastEdit: { key: string; at: number } | null;
  dragging: boolean;

  validation: ValidationResult | null;
  counters: Counters;
  metricMode: MetricMode;
  range: MetricRange;
  connection: ConnectionState;
  clipboard: JourneyGraph | null;

  /** Handlers React Flow calls when the user drags, selects, deletes or connects. */
  onNodesChange: OnNodesChange<JourneyNode>;
  onEdgesChange: OnEdgesChange<JourneyEdge>;
  onConnect: OnConnect;

  setCatalog: (kinds: readonly NodeKind[]) => void;
  setCanEdit: (canEdit: boolean) => void;
  /** Replaces the whole graph, e.g. after loading a journey from the API; clears undo. */
  loadJourney: (journeyId: string | null, graph: JourneyGraph, meta?: Partial<JourneyMeta>) => void;
  setMeta: (meta: Partial<JourneyMeta>) => void;
  rename: (name: string) => void;
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

  viewVersion: (number: number, graph: JourneyGraph) => void;
  backToDraft: () => void;

  markSaving: () => number;
  markSaved: (revision: number) => void;
  markSaveFailed: (message: string) => void;
  setValidation: (validation: ValidationResult | null) => void;
  setCounters: (counters: Counters) => void;
  setMetricMode: (mode: MetricMode) => void;
  setRange: (range: MetricRange) => void;
  setConnection: (connection: ConnectionState) => void;
  /** Back to an empty journey. */
  reset: () => void;
}

type Data = Omit<JourneyState, { [K in keyof JourneyState]: JourneyState[K] extends (...args: never[]) => unknown ? K : never }[keyof JourneyState]>;

type SessionField =
  | 'past'
  | 'future'
  | 'revision'
  | 'savedRevision'
  | 'saveState'
  | 'saveError'
  | 'lastEdit'
  | 'viewingVersion'
  | 'stashedDraft';

/** Where editing a journey starts, on load as on reset: nothing to undo or save, the draft on screen. */
const freshSession = (): Pick<Data, SessionField> => ({
  past: [],
  future: [],
  revision: 0,
  savedRevision: 0,
  saveState: 'saved',
  saveError: null,
  lastEdit: null,
  viewingVersion: null,
  stashedDraft: null,
});

const initialData = (): Data => ({
  ...freshSession(),
  journeyId: null,
  meta: { name: '', status: 'draft', currentVersion: null },
  canEdit: true,
  catalog: {},
  nodes: [],
  edges: [],
  dragging: false,
  validation: null,
  counters: {},
  metricMode: 'counts',
  range: 'all',
  connection: 'connecting',
  clipboard: null,
});

/** True when nothing on screen may change: no edit right, an old version, or an archived journey. */
export function isReadOnly(state: Pick<JourneyState, 'canEdit' | 'viewingVersion' | 'meta'>): boolean {
  return !state.canEdit || state.viewingVersion !== null || state.meta.status === 'archived';
}

function graphOf(state: JourneyGraph): JourneyGraph {
  return { nodes: state.nodes, edges: state.edges };
}

/** The state after an edit: the old graph goes onto the undo stack and the draft needs saving. */
function edited(state: JourneyState, next: Partial<JourneyState>, remember = true): Partial<JourneyState> {
  return {
    ...next,
    ...(remember ? { past: [...state.past, graphOf(state)].slice(-HISTORY_LIMIT), future: [] } : {}),
    revision: state.revision + 1,
    saveState: state.saveState === 'saving' ? 'saving' : 'unsaved',
  };
}

/** An edit that removes or adds elements; a burst of them (one keyboard delete) is one undo step. */
function removal(state: JourneyState, next: Partial<JourneyState>): Partial<JourneyState> {
  const now = Date.now();
  const burst = state.lastEdit?.key === 'structure' && now - state.lastEdit.at < REMOVAL_BURST_MS;
  return { ...edited(state, next, !burst), lastEdit: { key: 'structure', at: now } };
}

function isStructural(change: NodeChange<JourneyNode> | EdgeChange<JourneyEdge>): boolean {
  return change.type === 'remove' || change.type === 'add' || change.type === 'replace';
}

export const useJourneyStore = create<JourneyState>()((set, get) => ({
  ...initialData(),

  onNodesChange: (changes) => {
    set((state) => {
      const nodes = applyNodeChanges(changes, state.nodes);
      if (isReadOnly(state)) {
        // Selection still works on a read-only canvas; nothing else is applied.
        const allowed = changes.filter((c) => c.type === 'select' || c.type === 'dimensions');
        return { nodes: applyNodeChanges(allowed, state.nodes) };
      }
      const moves = changes.filter((c) => c.type === 'position' && c.position);
      const structural = changes.some(isStructural);
      const dragStart = changes.some((c) => c.type === 'position' && c.dragging) && !state.dragging;
      const dragging = changes.some((c) => c.type === 'position')
        ? changes.some((c) => c.type === 'position' && c.dragging)
        : state.dragging;
      if (!structural && moves.length === 0) return { nodes, dragging };
      if (structural) return removal(state, { nodes, dragging });
      // A drag is one undo step: the graph is remembered when it starts, not on every move.
      return { ...edited(state, { nodes, dragging }, dragStart), lastEdit: null };
    });
  },
  onEdgesChange: (changes) => {
    set((state) => {
      if (isReadOnly(state)) {
        return { edges: applyEdgeChanges(changes.filter((c) => c.type === 'select'), state.edges) };
      }
      const edges = applyEdgeChanges(changes, state.edges);
      if (!changes.some(isStructural)) return { edges };
      return removal(state, { edges });
    });
  },
  onConnect: (connection) => {
    const state = get();
    if (isReadOnly(state)) return;
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
    set(edited(state, { edges: [...state.edges.filter((e) => !samePort(e)), edge], lastEdit: null }));
  },

  setCatalog: (kinds) => {
    set({ catalog: Object.fromEntries(kinds.map((k) => [k.kind, k])) });
  },
  setCanEdit: (canEdit) => set({ canEdit }),
  loadJourney: (journeyId, graph, meta) => {
    set((state) => ({
      journeyId,
      nodes: graph.nodes,
      edges: graph.edges,
      meta: { ...state.meta, ...meta },
      ...freshSession(),
    }));
  },
  setMeta: (meta) => set((state) => ({ meta: { ...state.meta, ...meta } })),
  rename: (name) => {
    set((state) => (isReadOnly(state) ? state : edited(state, { meta: { ...state.meta, name } }, false)));
  },
  addNode: (node) => {
    set((state) => edited(state, { nodes: [...state.nodes, node], lastEdit: null }));
  },
  addNodeOfKind: (kind, position) => {
    const state = get();
    const spec = state.catalog[kind];
    if (!spec || isReadOnly(state)) return null;
    const id = freshNodeId(kind, new Set(state.nodes.map((n) => n.id)));
    const node: JourneyNode = {
      id,
      type: 'journey',
      position,
      selected: true,
      data: { kind, label: spec.label, config: initialConfig(spec.config) },
    };
    set(
      edited(state, {
        nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
        edges: state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        lastEdit: null,
      }),
    );
    return id;
  },
  updateNodeData: (id, patch) => {
    set((state) => {
      if (isReadOnly(state)) return state;
      const now = Date.now();
      const key = `node:${id}`;
      const coalesce = state.lastEdit?.key === key && now - state.lastEdit.at < COALESCE_MS;
      const nodes = state.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n));
      return { ...edited(state, { nodes }, !coalesce), lastEdit: { key, at: now } };
    });
  },
  deleteSelection: () => {
    set((state) => {
      if (isReadOnly(state)) return state;
      const removed = new Set(state.nodes.filter((n) => n.selected).map((n) => n.id));
      const edges = state.edges.filter((e) => !e.selected && !removed.has(e.source) && !removed.has(e.target));
      if (removed.size === 0 && edges.length === state.edges.length) return state;
      return edited(state, { nodes: state.nodes.filter((n) => !removed.has(n.id)), edges, lastEdit: null });
    });
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
    set({ clipboard: structuredClone({ nodes: nodes.map(({ id, position, data }) => ({ id, position, data })), edges }) });
  },
  paste: () => {
    const state = get();
    if (!state.clipboard || isReadOnly(state)) return;
    const copy = cloneSubgraph(
      state.clipboard.nodes,
      state.clipboard.edges,
      new Set(state.nodes.map((n) => n.id)),
      PASTE_OFFSET,
    );
    // Pasting again lands one more step down and to the right.
    const shifted = state.clipboard.nodes.map((n) => ({
      ...n,
      position: { x: n.position.x + PASTE_OFFSET.x, y: n.position.y + PASTE_OFFSET.y },
    }));
    set(
      edited(state, {
        nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...copy.nodes],
        edges: [...state.edges, ...copy.edges],
        clipboard: { nodes: shifted, edges: state.clipboard.edges },
        lastEdit: null,
      }),
    );
  },
  autoLayout: () => {
    set((state) => (isReadOnly(state) ? state : edited(state, { nodes: layoutGraph(graphOf(state)).nodes, lastEdit: null })));
  },
  undo: () => {
    set((state) => {
      const previous = state.past.at(-1);
      if (!previous || isReadOnly(state)) return state;
      return {
        ...edited(state, { ...previous, past: state.past.slice(0, -1), future: [graphOf(state), ...state.future] }, false),
        lastEdit: null,
      };
    });
  },
  redo: () => {
    set((state) => {
      const next = state.future[0];
      if (!next || isReadOnly(state)) return state;
      return {
        ...edited(state, { ...next, past: [...state.past, graphOf(state)], future: state.future.slice(1) }, false),
        lastEdit: null,
      };
    });
  },

  viewVersion: (number, graph) => {
    set((state) => ({
      stashedDraft: state.stashedDraft ?? graphOf(state),
      viewingVersion: number,
      nodes: graph.nodes,
      edges: graph.edges,
    }));
  },
  backToDraft: () => {
    set((state) => (state.stashedDraft ? { ...state.stashedDraft, stashedDraft: null, viewingVersion: null } : state));
  },

  markSaving: () => {
    set({ saveState: 'saving', saveError: null });
    return get().revision;
  },
  markSaved: (revision) => {
    set((state) => ({
      savedRevision: Math.max(state.savedRevision, revision),
      saveState: revision >= state.revision ? 'saved' : 'unsaved',
    }));
  },
  markSaveFailed: (message) => set({ saveState: 'failed', saveError: message }),
  setValidation: (validation) => set({ validation }),
  setCounters: (counters) => set({ counters }),
  setMetricMode: (metricMode) => set({ metricMode }),
  setRange: (range) => set({ range }),
  setConnection: (connection) => set({ connection }),
  reset: () => set(initialData()),
}));
