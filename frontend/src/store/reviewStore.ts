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
import { useSettingsStore } from './settingsStore';

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


// Refreshes can overlap (opening the panel, a save, an action): only the latest one's answer is kept,
// so an older, slower reply cannot put a stale diff back.
let latestRefresh = 0;

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
    const ticket = ++latestRefresh;
    const [state, notifications] = await Promise.all([
      api.state(journeyId).catch(() => null),
      api.notifications().catch(() => null),
    ]);
    if (ticket !== latestRefresh) return;
    set({ state, notifications });
    // While in review the draft is locked: the canvas turns read-only, as the server would refuse edits.
    if (state) useSessionStore.getState().setCanEdit(mayEdit && !state.locked);
  },
  setOpen: (open) => {
    set({ open });
    if (!open) return;
    // The diff was computed when the state was last fetched; edits saved since then change it,
    // so opening the panel always asks again rather than showing "No change" from before.
    if ((get().notifications?.unread ?? 0) > 0) {
      void governanceApi()
        .markRead()
        .catch(() => undefined)
        .then(() => get().refresh());
    } else {
      void get().refresh();
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

// A saved draft (graph autosave or the settings panel) changes the diff against the live version:
// while the panel is open it is fetched again, so it always describes what was saved last.
function refreshIfOpen() {
  const review = useReviewStore.getState();
  if (review.open) void review.refresh();
}
useSessionStore.subscribe((now, before) => {
  if (now.savedRevision !== before.savedRevision) refreshIfOpen();
});
useSettingsStore.subscribe((now, before) => {
  if (now.draft !== before.draft && before.draft !== null) refreshIfOpen();
});

/** How often an open editor asks again for its review and the person's notifications. */
export const REVIEW_POLL_MS = 60_000;

/**
 * Keeps the review and notifications current while the editor stays open: others approve, reject
 * and comment meanwhile, and a marketer waiting for an approval should see Publish come back
 * without reloading. Asks only while the page is visible, and at once when it becomes visible.
 * Returns the stop function.
 */
export function watchReview(intervalMs = REVIEW_POLL_MS): () => void {
  const tick = () => {
    if (document.visibilityState === 'visible') void useReviewStore.getState().refresh();
  };
  const timer = window.setInterval(tick, intervalMs);
  document.addEventListener('visibilitychange', tick);
  return () => {
    window.clearInterval(timer);
    document.removeEventListener('visibilitychange', tick);
  };
}
