/**
 * The editing session around the graph: which journey is open and whether it may change, whether
 * the draft is saved, and what the server last said about it (validation, live counters, the
 * metrics socket). The graph itself lives in graphStore, which reports each edit here.
 */
import { create } from 'zustand';
import type { Counters, JourneyStatus, ValidationResult } from '../api/types';
import type { MetricMode } from '../lib/metrics';

export type SaveState = 'saved' | 'unsaved' | 'saving' | 'failed';
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'refused';
export type MetricRange = 'all' | '24h' | '1h';

export interface JourneyMeta {
  name: string;
  status: JourneyStatus;
  currentVersion: number | null;
}

export interface SessionState {
  /** Id of the journey being edited, or null before one is loaded. */
  journeyId: string | null;
  meta: JourneyMeta;
  /** From the page: whether this user may change journeys at all. */
  canEdit: boolean;
  /** The published version on screen instead of the draft, or null for the draft. */
  viewingVersion: number | null;

  /** Bumped by every change that should be saved; `savedRevision` is the last one stored. */
  revision: number;
  savedRevision: number;
  saveState: SaveState;
  saveError: string | null;

  validation: ValidationResult | null;
  counters: Counters;
  metricMode: MetricMode;
  range: MetricRange;
  connection: ConnectionState;

  /** A journey was opened: nothing to save yet and its draft on screen. */
  start: (journeyId: string | null, meta?: Partial<JourneyMeta>) => void;
  setCanEdit: (canEdit: boolean) => void;
  setMeta: (meta: Partial<JourneyMeta>) => void;
  /** Renames the draft; the name is saved with the graph. */
  rename: (name: string) => void;
  /** Something that should be saved changed (the graph store calls this for every edit). */
  noteEdit: () => void;
  setViewingVersion: (number: number | null) => void;
  /** Returns the revision being saved, to hand back to `markSaved`. */
  markSaving: () => number;
  markSaved: (revision: number) => void;
  markSaveFailed: (message: string) => void;
  setValidation: (validation: ValidationResult | null) => void;
  setCounters: (counters: Counters) => void;
  setMetricMode: (mode: MetricMode) => void;
  setRange: (range: MetricRange) => void;
  setConnection: (connection: ConnectionState) => void;
  /** Back to no journey open. */
  reset: () => void;
}

type SessionData = Omit<
  SessionState,
  { [K in keyof SessionState]: SessionState[K] extends (...args: never[]) => unknown ? K : never }[keyof SessionState]
>;

/** Where editing a journey starts, on load as on reset: nothing to save, the draft on screen. */
const freshDraft = (): Pick<SessionData, 'revision' | 'savedRevision' | 'saveState' | 'saveError' | 'viewingVersion'> => ({
  revision: 0,
  savedRevision: 0,
  saveState: 'saved',
  saveError: null,
  viewingVersion: null,
});

const initialData = (): SessionData => ({
  ...freshDraft(),
  journeyId: null,
  meta: { name: '', status: 'draft', currentVersion: null },
  canEdit: true,
  validation: null,
  counters: {},
  metricMode: 'counts',
  range: 'all',
  connection: 'connecting',
});

/** True when nothing on screen may change: no edit right, an old version, or an archived journey. */
export function isReadOnly(state: Pick<SessionState, 'canEdit' | 'viewingVersion' | 'meta'>): boolean {
  return !state.canEdit || state.viewingVersion !== null || state.meta.status === 'archived';
}

/** The state after a change that needs saving; a save already in flight stays "saving". */
function bumped(state: SessionState): Pick<SessionState, 'revision' | 'saveState'> {
  return { revision: state.revision + 1, saveState: state.saveState === 'saving' ? 'saving' : 'unsaved' };
}

export const useSessionStore = create<SessionState>()((set, get) => ({
  ...initialData(),

  start: (journeyId, meta) => set((state) => ({ journeyId, meta: { ...state.meta, ...meta }, ...freshDraft() })),
  setCanEdit: (canEdit) => set({ canEdit }),
  setMeta: (meta) => set((state) => ({ meta: { ...state.meta, ...meta } })),
  rename: (name) => set((state) => (isReadOnly(state) ? state : { meta: { ...state.meta, name }, ...bumped(state) })),
  noteEdit: () => set(bumped),
  setViewingVersion: (viewingVersion) => set({ viewingVersion }),
  markSaving: () => {
    set({ saveState: 'saving', saveError: null });
    return get().revision;
  },
  markSaved: (revision) => {
    set((state) => ({
      savedRevision: Math.max(state.savedRevision, revision),
      saveState: revision >= state.revision ? 'saved' : 'unsaved',
    }));
  },
  markSaveFailed: (message) => set({ saveState: 'failed', saveError: message }),
  setValidation: (validation) => set({ validation }),
  setCounters: (counters) => set({ counters }),
  setMetricMode: (metricMode) => set({ metricMode }),
  setRange: (range) => set({ range }),
  setConnection: (connection) => set({ connection }),
  reset: () => set(initialData()),
}));
