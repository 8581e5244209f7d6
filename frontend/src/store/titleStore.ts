/**
 * Node titles as the server words them (NodeType.describe), cached by what they depend on: the
 * node's kind and config. Keyed that way, a title never goes stale when a node changes, two
 * nodes with the same config share one answer, and undo finds its title already known.
 */
import { create } from 'zustand';
import type { JourneyNodeData } from '../lib/journey';

interface TitleState {
  /** `titleKey(data)` to the server's title. */
  titles: Record<string, string>;
  addTitles: (titles: Record<string, string>) => void;
}

export const useTitleStore = create<TitleState>()((set) => ({
  titles: {},
  addTitles: (titles) => set((s) => ({ titles: { ...s.titles, ...titles } })),
}));

/** What a title depends on, as one string. */
export function titleKey(data: Pick<JourneyNodeData, 'kind' | 'config'>): string {
  return `${data.kind}\u0000${JSON.stringify(data.config ?? {})}`;
}
