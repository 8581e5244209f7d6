import { useEffect } from 'react';
import { saveDraft } from '../store/actions';
import { isReadOnly, useSessionStore } from '../store/sessionStore';

/** How long the draft waits after the last change before it is saved. */
export const AUTOSAVE_DELAY_MS = 800;

/**
 * Saves the draft a moment after the last change, and warns before leaving with unsaved work.
 * It watches the session's revision, which every graph edit and rename bumps.
 */
export function useAutosave() {
  const revision = useSessionStore((s) => s.revision);
  const savedRevision = useSessionStore((s) => s.savedRevision);
  const saveState = useSessionStore((s) => s.saveState);

  useEffect(() => {
    // After a failure, wait for the next change (or Ctrl-S) rather than retrying in a loop:
    // a draft the server refuses would be refused again.
    if (revision === savedRevision || saveState === 'saving' || saveState === 'failed') return;
    const timer = window.setTimeout(() => void saveDraft(), AUTOSAVE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [revision, savedRevision, saveState]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      const s = useSessionStore.getState();
      if (s.revision !== s.savedRevision && !isReadOnly(s)) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);
}
