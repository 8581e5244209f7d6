/**
 * The journey's review (approval before publish) and the person's notifications.
 *
 * Apart from the session store: the canvas reads only `showDiff` and `state.diff` from here, and
 * the lock on the draft reaches the session through `setCanEdit`, the one switch it already has.
 */
import { create } from 'zustand';
import { userMessage } from '../api/client';
import { governanceApi, type NotificationList, type ReviewState } from '../api/governanceApi';
import { useSessionStore } from './sessionStore';

interface ReviewStore {
  journeyId: string | null;
  /** Whether the page allows editing at all (the mount config), before any review lock. */
  mayEdit: boolean;
  state: ReviewState | null;
  notifications: NotificationList | null;
  open: boolean;
  showDiff: boolean;
  busy: boolean;
  error: string | null;
  init: (journeyId: string, mayEdit: boolean) => Promise<void>;
  refresh: () => Promise<void>;
  setOpen: (open: boolean) => void;
  setShowDiff: (show: boolean) => void;
  run: (step: () => Promise<unknown>) => Promise<boolean>;
}


export const useReviewStore = create<ReviewStore>()((set, get) => ({
  journeyId: null,
  mayEdit: false,
  state: null,
  notifications: null,
  open: false,
  showDiff: false,
  busy: false,
  error: null,
  init: async (journeyId, mayEdit) => {
    set({ journeyId, mayEdit });
    await get().refresh();
  },
  refresh: async () => {
    const { journeyId, mayEdit } = get();
    if (!journeyId) return;
    const api = governanceApi();
    const [state, notifications] = await Promise.all([
      api.state(journeyId).catch(() => null),
      api.notifications().catch(() => null),
    ]);
    set({ state, notifications });
    // While in review the draft is locked: the canvas turns read-only, as the server would refuse edits.
    if (state) useSessionStore.getState().setCanEdit(mayEdit && !state.locked);
  },
  setOpen: (open) => {
    set({ open });
    if (open && (get().notifications?.unread ?? 0) > 0) {
      void governanceApi()
        .markRead()
        .then(() => get().refresh())
        .catch(() => undefined);
    }
  },
  setShowDiff: (showDiff) => set({ showDiff }),
  run: async (step) => {
    set({ busy: true, error: null });
    try {
      await step();
      await get().refresh();
      return true;
    } catch (error) {
      set({ error: userMessage(error) });
      await get().refresh();
      return false;
    } finally {
      set({ busy: false });
    }
  },
}));
