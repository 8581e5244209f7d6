import dagre from '@dagrejs/dagre';
import type { JourneyGraph } from './journey';

const DEFAULT_SIZE = { width: 220, height: 110 };

/**
 * Positions every node top to bottom with dagre, keeping edges' order. Sizes come from what
 * React Flow measured, so wide nodes get room; nodes not yet measured use a typical size.
 */
export function layoutGraph(graph: JourneyGraph): JourneyGraph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 50, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    g.setNode(node.id, {
      width: node.measured?.width ?? DEFAULT_SIZE.width,
      height: node.measured?.height ?? DEFAULT_SIZE.height,
    });
  }
  const known = new Set(graph.nodes.map((n) => n.id));
  for (const edge of graph.edges) {
    if (known.has(edge.source) && known.has(edge.target)) g.setEdge(edge.source, edge.target);
  }
  dagre.layout(g);
  return {
    nodes: graph.nodes.map((node) => {
      const placed = g.node(node.id) as { x: number; y: number };
      // dagre gives centres; React Flow positions are top-left corners.
      const width = node.measured?.width ?? DEFAULT_SIZE.width;
      const height = node.measured?.height ?? DEFAULT_SIZE.height;
      return { ...node, position: { x: Math.round(placed.x - width / 2), y: Math.round(placed.y - height / 2) } };
    }),
    edges: graph.edges,
  };
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
