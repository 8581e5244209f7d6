import type { Edge, Node } from '@xyflow/react';

/** Kind of a node that starts a journey; journeys are walked from these. */
export const TRIGGER_KIND = 'trigger';

/** What a journey step carries besides its position on the canvas. */
export type JourneyNodeData = {
  /** Domain kind, e.g. `trigger`, `send_email`, `wait`, `branch`. */
  kind: string;
  label: string;
  config: Record<string, unknown>;
};

export type JourneyNode = Node<JourneyNodeData>;
export type JourneyEdge = Edge;
