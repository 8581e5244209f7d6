/**
 * The experiments of the journey's split nodes as `GET /api/journeys/<id>/experiments/` lists them,
 * for the badges on the canvas. Decisions are made on the report page (another tab or page), so
 * the list is read again every few seconds while a badge is on screen and whenever the editor's
 * window gets the focus back.
 */
import { create } from 'zustand';
import { editorApi } from '../api/editorApi';

export interface ExperimentSummary {
  node_id: string;
  label: string;
  status: 'running' | 'decided' | 'stopped';
  winner: string;
  bandit: boolean;
  /** {arm: percent of new customers it gets now}; the winner has 100 once declared. */
  weights: Record<string, number>;
  report_url: string;
}

/** The schema gives this answer as a free-form object. */
export interface ExperimentList {
  journey: number;
  experiments: ExperimentSummary[];
}

export const REFRESH_MS = 10_000;

interface ExperimentsState {
  byNode: Record<string, ExperimentSummary>;
  refresh: (journeyId: string) => Promise<void>;
}

export const useExperimentsStore = create<ExperimentsState>()((set) => ({
  byNode: {},
  refresh: async (journeyId) => {
    try {
      const list = await editorApi().experiments(journeyId);
      set({ byNode: Object.fromEntries(list.experiments.map((e) => [e.node_id, e])) });
    } catch {
      // Badges keep what they showed; the next refresh tries again.
    }
  },
}));

let watchers = 0;
let timer: number | undefined;
let watched: string | null = null;

function refreshWatched() {
  if (watched && document.visibilityState !== 'hidden') void useExperimentsStore.getState().refresh(watched);
}

/** Starts refreshing for the first badge on screen and stops after the last one; returns the stop. */
export function watchExperiments(journeyId: string): () => void {
  watchers += 1;
  if (watchers === 1 || watched !== journeyId) {
    watched = journeyId;
    window.clearInterval(timer);
    window.removeEventListener('focus', refreshWatched);
    timer = window.setInterval(refreshWatched, REFRESH_MS);
    window.addEventListener('focus', refreshWatched);
    refreshWatched();
  }
  return () => {
    watchers -= 1;
    if (watchers === 0) {
      window.clearInterval(timer);
      window.removeEventListener('focus', refreshWatched);
      watched = null;
    }
  };
}
