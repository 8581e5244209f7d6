import type { Edge, Node } from '@xyflow/react';

/** What a journey step carries besides its position on the canvas. */
export type JourneyNodeData = {
  /** Domain kind from the catalog, e.g. `event_trigger`, `wait`, `send_email`. */
  kind: string;
  label: string;
  config: Record<string, unknown>;
};

export type JourneyNode = Node<JourneyNodeData>;
export type JourneyEdge = Edge;

export interface JourneyGraph {
  nodes: JourneyNode[];
  edges: JourneyEdge[];
}
