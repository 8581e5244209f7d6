import { useEffect } from 'react';
import { editorApi } from '../api/editorApi';
import type { JourneyNode } from '../lib/journey';
import { useGraphStore } from '../store/graphStore';
import { titleKey, useTitleStore } from '../store/titleStore';

/** A pause after the last keystroke in the inspector before its node's title is asked for. */
export const TITLE_DELAY_MS = 250;
// The API takes at most this many nodes per request (a journey's own limit).
const BATCH = 500;

/** The nodes whose kind and config have no title yet, one per distinct key. */
export function untitled(nodes: readonly JourneyNode[], known: Record<string, string>): Map<string, JourneyNode> {
  const missing = new Map<string, JourneyNode>();
  for (const node of nodes) {
    const key = titleKey(node.data);
    if (!(key in known) && !missing.has(key)) missing.set(key, node);
  }
  return missing;
}

/**
 * Keeps a title for every node on the canvas: whenever a node's kind or config changes, the
 * server describes it a moment later. Failures are left alone: the node shows its name meanwhile
 * and the next edit asks again.
 */
export function useNodeTitles(enabled: boolean) {
  const nodes = useGraphStore((s) => s.nodes);
  useEffect(() => {
    if (!enabled) return;
    const missing = untitled(nodes, useTitleStore.getState().titles);
    if (missing.size === 0) return;
    const timer = window.setTimeout(() => {
      const entries = [...missing.entries()].slice(0, BATCH);
      // The request names each node by its key's position, so keys never travel as ids.
      const body = {
        nodes: entries.map(([, node], index) => ({ id: String(index), kind: node.data.kind, config: node.data.config ?? {} })),
      };
      editorApi()
        .nodeTitles(body)
        .then(({ titles }) => {
          const byKey: Record<string, string> = {};
          entries.forEach(([key], index) => {
            const title = titles[String(index)];
            if (title) byKey[key] = title;
          });
          useTitleStore.getState().addTitles(byKey);
        })
        .catch(() => undefined);
    }, TITLE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [nodes, enabled]);
}
