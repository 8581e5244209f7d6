import { useMemo } from 'react';
import type { JourneyEdge, JourneyNode } from '../lib/journey';
import { diffClass, diffMarks } from '../lib/reviewDiff';
import { useReviewStore } from '../store/reviewStore';

/** Nodes and edges with the review's diff drawn on them (a class each), when the reviewer asks for it. */
export function useReviewDiff(nodes: JourneyNode[], edges: JourneyEdge[]): [JourneyNode[], JourneyEdge[]] {
  const diff = useReviewStore((s) => (s.showDiff ? (s.state?.diff ?? null) : null));
  const marks = useMemo(() => (diff ? diffMarks(diff) : null), [diff]);
  return useMemo(() => {
    if (!marks) return [nodes, edges];
    const markedNodes = nodes.map((n) => {
      const className = diffClass(marks.nodes.get(n.id));
      return className ? { ...n, className } : n;
    });
    const markedEdges = edges.map((e) => {
      const className = diffClass(marks.edges.get(e.id));
      return className ? { ...e, className: [e.className, className].filter(Boolean).join(' ') } : e;
    });
    return [markedNodes, markedEdges];
  }, [nodes, edges, marks]);
}
