import dagre from '@dagrejs/dagre';
import type { JourneyEdge, JourneyGraph, JourneyNode } from './journey';

/** A node's size before React Flow has measured it: the card's width and a typical height. */
export const DEFAULT_SIZE = { width: 260, height: 110 };

/** The output ports of a node in the order its card draws them, left to right. */
export type PortOrder = (node: JourneyNode) => readonly string[];

export function sizeOf(node: JourneyNode): { width: number; height: number } {
  return {
    width: node.measured?.width ?? node.width ?? DEFAULT_SIZE.width,
    height: node.measured?.height ?? node.height ?? DEFAULT_SIZE.height,
  };
}

/**
 * Positions every node top to bottom with dagre. Sizes come from what React Flow measured, so
 * wide nodes get room; nodes not yet measured use a typical size.
 *
 * A node's children are laid out left to right in the order of the ports they hang from, so a
 * two-port node's edges never cross and their count labels sit on their own port's side: dagre's
 * crossing reduction would otherwise order siblings as it pleases.
 */
export function layoutGraph(graph: JourneyGraph, portsOf?: PortOrder): JourneyGraph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 56, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, sizeOf(node));
  const known = new Set(graph.nodes.map((n) => n.id));
  for (const edge of graph.edges) {
    if (known.has(edge.source) && known.has(edge.target)) g.setEdge(edge.source, edge.target);
  }
  dagre.layout(g, { constraints: siblingOrder(graph, portsOf) });
  const placed = new Map(
    graph.nodes.map((node) => {
      const { x, y } = g.node(node.id) as { x: number; y: number };
      const { width, height } = sizeOf(node);
      // dagre gives centres; React Flow positions are top-left corners.
      return [node.id, { x: Math.round(x - width / 2), y: Math.round(y - height / 2) }];
    }),
  );
  return {
    nodes: graph.nodes.map((node) => ({ ...node, position: placed.get(node.id) ?? node.position })),
    edges: graph.edges,
  };
}

/**
 * "left before right" pairs for dagre: each node's children in its port order. A child reached
 * from two ports, or one that must also sit right of a node it was put left of, gets no
 * constraint: contradicting pairs would leave dagre no order to find.
 */
export function siblingOrder(graph: JourneyGraph, portsOf?: PortOrder): Array<{ left: string; right: string }> {
  if (!portsOf) return [];
  const known = new Set(graph.nodes.map((n) => n.id));
  const targetsOf = new Map<string, JourneyEdge[]>();
  for (const edge of graph.edges) {
    if (!known.has(edge.source) || !known.has(edge.target) || edge.source === edge.target) continue;
    targetsOf.set(edge.source, [...(targetsOf.get(edge.source) ?? []), edge]);
  }
  const pairs: Array<{ left: string; right: string }> = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const edges = targetsOf.get(node.id) ?? [];
    if (edges.length < 2) continue;
    const ports = portsOf(node);
    const portOf = new Map<string, number>();
    for (const edge of edges) {
      const index = ports.indexOf(edge.sourceHandle ?? '');
      const port = index < 0 ? ports.length : index;
      // A target reached through two different ports has no one side to be on.
      portOf.set(edge.target, portOf.has(edge.target) && portOf.get(edge.target) !== port ? -1 : port);
    }
    const ordered = [...portOf.entries()].filter(([, port]) => port >= 0).sort((a, b) => a[1] - b[1]);
    for (let i = 1; i < ordered.length; i++) {
      const left = ordered[i - 1]![0];
      const right = ordered[i]![0];
      if (seen.has(`${right}\u0000${left}`)) continue;
      seen.add(`${left}\u0000${right}`);
      pairs.push({ left, right });
    }
  }
  return pairs;
}

/**
 * True when the nodes have no real placement yet: several of them sharing one position, as in
 * journeys made through the API or by script. Such a graph is laid out when it is opened.
 */
export function needsLayout(graph: JourneyGraph): boolean {
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const key = `${Math.round(node.position.x)},${Math.round(node.position.y)}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}
