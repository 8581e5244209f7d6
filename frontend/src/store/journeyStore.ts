import {
  applyEdgeChanges,
  applyNodeChanges,
  type OnConnect,
  type OnEdgesChange,
  type OnNodesChange,
} from '@xyflow/react';
import { create } from 'zustand';
import type { JourneyEdge, JourneyNode } from '../lib/journey';

export interface JourneyGraph {
  nodes: JourneyNode[];
  edges: JourneyEdge[];
}

export interface JourneyState extends JourneyGraph {
  /** Id of the journey being edited, or null for one not saved yet. */
  journeyId: string | null;

  /** Handlers React Flow calls when the user drags, selects, deletes or connects. */
  onNodesChange: OnNodesChange<JourneyNode>;
  onEdgesChange: OnEdgesChange<JourneyEdge>;
  onConnect: OnConnect;

  /** Replaces the whole graph, e.g. after loading a journey from the API. */
  loadJourney: (journeyId: string | null, graph: JourneyGraph) => void;
  addNode: (node: JourneyNode) => void;
  /** Back to an empty, unsaved journey. */
  reset: () => void;
}

const emptyJourney = (): Pick<JourneyState, 'journeyId' | 'nodes' | 'edges'> => ({
  journeyId: null,
  nodes: [],
  edges: [],
});

export function edgeIdFor(source: string, sourceHandle: string | null | undefined, target: string): string {
  return `e-${source}-${sourceHandle ?? 'out'}-${target}`;
}

export const useJourneyStore = create<JourneyState>()((set) => ({
  ...emptyJourney(),

  onNodesChange: (changes) => {
    set((state) => ({ nodes: applyNodeChanges(changes, state.nodes) }));
  },
  onEdgesChange: (changes) => {
    set((state) => ({ edges: applyEdgeChanges(changes, state.edges) }));
  },
  onConnect: (connection) => {
    // A step never leads back to itself directly.
    if (connection.source === connection.target) return;
    // Edges keep the API shape: the source handle tells which branch of a
    // step is followed (null for the default output). Journey steps have a
    // single input, so the target handle is not stored.
    const edge: JourneyEdge = {
      id: edgeIdFor(connection.source, connection.sourceHandle, connection.target),
      source: connection.source,
      sourceHandle: connection.sourceHandle ?? null,
      target: connection.target,
    };
    set((state) => (state.edges.some((e) => e.id === edge.id) ? state : { edges: [...state.edges, edge] }));
  },

  loadJourney: (journeyId, graph) => {
    set({ journeyId, nodes: graph.nodes, edges: graph.edges });
  },
  addNode: (node) => {
    set((state) => ({ nodes: [...state.nodes, node] }));
  },
  reset: () => {
    set(emptyJourney());
  },
}));
