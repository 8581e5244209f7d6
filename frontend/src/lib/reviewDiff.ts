/** How each node and edge of the draft is marked when a review's diff is drawn on the canvas. */
import type { GraphDiff } from '../api/governanceApi';

export type DiffMark = 'added' | 'changed' | 'moved';

export interface DiffMarks {
  nodes: Map<string, DiffMark>;
  edges: Map<string, DiffMark>;
  /** Steps and connections of the live version the draft no longer has: listed, as they are not on the canvas. */
  removedNodes: string[];
  removedEdges: string[];
}

export function diffMarks(diff: GraphDiff | null | undefined): DiffMarks {
  const nodes = new Map<string, DiffMark>();
  const edges = new Map<string, DiffMark>();
  if (!diff) return { nodes, edges, removedNodes: [], removedEdges: [] };
  for (const id of diff.nodes.moved) nodes.set(id, 'moved');
  for (const change of diff.nodes.changed) nodes.set(change.id, 'changed');
  for (const id of diff.nodes.added) nodes.set(id, 'added');
  for (const change of diff.edges.changed) edges.set(change.id, 'changed');
  for (const id of diff.edges.added) edges.set(id, 'added');
  return { nodes, edges, removedNodes: diff.nodes.removed, removedEdges: diff.edges.removed };
}

/** Whether the draft changes anything a reviewer decides on (a move alone does not). */
export function hasChanges(diff: GraphDiff | null | undefined): boolean {
  if (!diff) return false;
  return (
    diff.nodes.added.length + diff.nodes.removed.length + diff.nodes.changed.length > 0 ||
    diff.edges.added.length + diff.edges.removed.length + diff.edges.changed.length > 0 ||
    diff.settings.length > 0
  );
}

/** A class for a marked node or edge, or undefined. */
export function diffClass(mark: DiffMark | undefined): string | undefined {
  return mark ? `diff--${mark}` : undefined;
}

/** A step as a reviewer knows it: its label (else kind) from the diff, quoted; the id when unnamed. */
export function stepName(diff: GraphDiff, id: string): string {
  const name = diff.names?.[id];
  return name ? `“${name}”` : id;
}

const FIELD_WORDS: Record<string, string> = { kind: 'kind', label: 'title' };

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** "“Wait”: seconds 600 → 900; title (none) → “One hour”", the change of each field read aloud. */
export function describeChange(diff: GraphDiff, change: GraphDiff['nodes']['changed'][number]): string {
  const parts = (change.values ?? change.fields.map((field) => ({ field, before: undefined, after: undefined }))).map(
    ({ field, before, after }) => {
      const word = FIELD_WORDS[field] ?? field.replace(/^(config|data)\./, '').replace(/_/g, ' ');
      return change.values ? `${word} ${shown(before)} → ${shown(after)}` : word;
    },
  );
  return `${stepName(diff, change.id)}: ${parts.join('; ')}`;
}

/** The section's heading: a journey never published has no live version to compare with. */
export function diffHeading(diff: GraphDiff): string {
  return diff.live_version ? `Changes against the live version (v${diff.live_version})` : 'A new journey: everything in it is new';
}
