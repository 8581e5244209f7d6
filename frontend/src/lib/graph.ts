import { TRIGGER_KIND } from './journey';

/** The least a node needs for graph checks; React Flow nodes fit this shape. */
export interface GraphNode {
  id: string;
  data: { kind: string };
}

/** The least an edge needs for graph checks; React Flow edges fit this shape. */
export interface GraphEdge {
  source: string;
  target: string;
}

export function isTrigger(node: GraphNode): boolean {
  return node.data.kind === TRIGGER_KIND;
}

/**
 * Ids of the nodes that no trigger can reach by following edges forward,
 * in the order the nodes are given. Triggers count as reachable; edges that
 * point at unknown nodes are ignored. With no trigger, every node is listed.
 */
export function findUnreachableNodeIds(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): string[] {
  const known = new Set(nodes.map((n) => n.id));
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (!known.has(edge.source) || !known.has(edge.target)) continue;
    const targets = next.get(edge.source);
    if (targets) targets.push(edge.target);
    else next.set(edge.source, [edge.target]);
  }

  const reached = new Set<string>();
  const queue: string[] = [];
  for (const node of nodes) {
    if (isTrigger(node) && !reached.has(node.id)) {
      reached.add(node.id);
      queue.push(node.id);
    }
  }
  for (let i = 0; i < queue.length; i += 1) {
    for (const target of next.get(queue[i] as string) ?? []) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }

  return nodes.filter((n) => !reached.has(n.id)).map((n) => n.id);
}
