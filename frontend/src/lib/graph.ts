import type { JourneyEdge, JourneyGraph, JourneyNode } from './journey';

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

/** Tells whether a kind starts journeys; the editor answers from the catalog's categories. */
export type IsTriggerKind = (kind: string) => boolean;

/**
 * Ids of the nodes that no trigger can reach by following edges forward,
 * in the order the nodes are given. Triggers count as reachable; edges that
 * point at unknown nodes are ignored. With no trigger, every node is listed.
 */
export function findUnreachableNodeIds(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  isTriggerKind: IsTriggerKind,
): string[] {
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
    if (isTriggerKind(node.data.kind) && !reached.has(node.id)) {
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

/** A node id not yet used in `taken`, readable: `wait`, `wait-2`, `wait-3`... */
export function freshNodeId(kind: string, taken: ReadonlySet<string>): string {
  const base = kind.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 56) || 'node';
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export function edgeIdFor(source: string, sourceHandle: string | null | undefined, target: string): string {
  return `e-${source}-${sourceHandle ?? 'out'}-${target}`;
}

/**
 * The graph as the API stores it: only the fields of docs/graph-format.md, without React
 * Flow's working state (selection, measured sizes, dragging), so saved drafts and exports
 * stay small and stable.
 */
export function toStoredGraph(graph: JourneyGraph): JourneyGraph {
  return {
    nodes: graph.nodes.map((n) => ({
      id: n.id,
      type: 'journey',
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      data: { kind: n.data.kind, label: n.data.label ?? '', config: n.data.config ?? {} },
    })),
    edges: graph.edges.map((e) => ({
      id: e.id,
      source: e.source,
      sourceHandle: e.sourceHandle ?? null,
      target: e.target,
    })),
  };
}

/** The object inside a JSON value, or an empty one when it is something else. */
function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The objects in a JSON list; anything else in it cannot be a node or an edge. */
function objects(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v) => record(v) === v).map(record) : [];
}

/**
 * Reads a stored graph into canvas nodes, tolerating missing labels or configs. The API types
 * a graph as any JSON (the server checks its shape only at validation), so nothing is assumed.
 */
export function fromStoredGraph(graph: unknown): JourneyGraph {
  const nodes = objects(record(graph).nodes).map((n) => {
    const position = record(n.position);
    const data = record(n.data);
    return {
      id: String(n.id),
      type: 'journey',
      position: { x: Number(position.x) || 0, y: Number(position.y) || 0 },
      data: {
        kind: typeof data.kind === 'string' ? data.kind : '',
        label: typeof data.label === 'string' ? data.label : '',
        config: record(data.config),
      },
    };
  });
  const edges = objects(record(graph).edges).map((e) => ({
    id: String(e.id),
    source: String(e.source),
    sourceHandle: typeof e.sourceHandle === 'string' ? e.sourceHandle : null,
    target: String(e.target),
  }));
  return { nodes, edges };
}

/**
 * Copies of the given nodes with fresh ids, shifted by `offset`, and copies of the edges that
 * run between them (edges to nodes left behind are dropped): what pasting a selection adds.
 */
export function cloneSubgraph(
  nodes: readonly JourneyNode[],
  edges: readonly JourneyEdge[],
  taken: ReadonlySet<string>,
  offset: { x: number; y: number },
): JourneyGraph {
  const used = new Set(taken);
  const ids = new Map<string, string>();
  const copies = nodes.map((n) => {
    const id = freshNodeId(n.id, used);
    used.add(id);
    ids.set(n.id, id);
    return {
      id,
      type: 'journey',
      position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
      data: structuredClone({ kind: n.data.kind, label: n.data.label, config: n.data.config }),
      selected: true,
    };
  });
  const copiedEdges = edges.flatMap((e) => {
    const source = ids.get(e.source);
    const target = ids.get(e.target);
    if (!source || !target) return [];
    return [{ id: edgeIdFor(source, e.sourceHandle, target), source, sourceHandle: e.sourceHandle ?? null, target }];
  });
  return { nodes: copies, edges: copiedEdges };
}

/**
 * Whether two JSON values are equal as JSON: objects by their keys whatever their order (the
 * server's JSONB gives keys back in its own order), arrays item by item, a key holding
 * `undefined` as if absent (JSON.stringify drops it).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = (value: Record<string, unknown>) => Object.keys(value).filter((key) => value[key] !== undefined);
  const leftKeys = keys(left);
  return leftKeys.length === keys(right).length && leftKeys.every((key) => key in right && sameJson(left[key], right[key]));
}

/** Whether the draft on the canvas would publish the same graph as this stored (published) one. */
export function sameStoredGraph(stored: unknown, draft: JourneyGraph): boolean {
  return sameJson(toStoredGraph(fromStoredGraph(stored)), toStoredGraph(draft));
}
