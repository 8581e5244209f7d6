/**
 * The draft's journey settings as last read from or saved to the server. Kept apart from the
 * graph: settings are saved by their panel's own button (the server judges them field by field),
 * not by the graph's autosave, and publishing compares them with the live version's.
 */
import { create } from 'zustand';
import { editorApi } from '../api/editorApi';

interface SettingsState {
  /** Null until loaded. */
  draft: unknown;
  setDraft: (settings: unknown) => void;
  load: (journeyId: string) => Promise<void>;
}

export const useSettingsStore = create<SettingsState>()((set) => ({
  draft: null,
  setDraft: (draft) => set({ draft }),
  load: async (journeyId) => {
    try {
      set({ draft: (await editorApi().journey(journeyId)).settings ?? {} });
    } catch {
      // The panel loads them again when opened; until then publishing compares the graph only.
    }
  },
}));
