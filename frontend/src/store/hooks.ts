import { useReactFlow } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { connectSocket, type ReconnectingSocket } from '../api/socket';
import type { Counters } from '../api/types';
import { saveDraft } from './actions';
import { isReadOnly, useJourneyStore } from './journeyStore';

/** How long the draft waits after the last change before it is saved. */
const AUTOSAVE_DELAY_MS = 800;

/** Saves the draft a moment after the last change, and warns before leaving with unsaved work. */
export function useAutosave() {
  const revision = useJourneyStore((s) => s.revision);
  const savedRevision = useJourneyStore((s) => s.savedRevision);
  const saveState = useJourneyStore((s) => s.saveState);

  useEffect(() => {
    // After a failure, wait for the next change (or Ctrl-S) rather than retrying in a loop:
    // a draft the server refuses would be refused again.
    if (revision === savedRevision || saveState === 'saving' || saveState === 'failed') return;
    const timer = window.setTimeout(() => void saveDraft(), AUTOSAVE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [revision, savedRevision, saveState]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      const s = useJourneyStore.getState();
      if (s.revision !== s.savedRevision && !isReadOnly(s)) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);
}

// Close codes of canvas/consumers.py after which retrying cannot help.
const REFUSED = [4401, 4403, 4404];

export function metricsSocketUrl(journeyId: string, location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/journeys/${encodeURIComponent(journeyId)}/metrics/`;
}

/** Keeps the store's counters live from the journey's metrics socket, in the chosen range. */
export function useMetricsSocket(journeyId: string | null) {
  const range = useJourneyStore((s) => s.range);
  const current = useRef<ReconnectingSocket | null>(null);

  useEffect(() => {
    if (!journeyId) return;
    const store = useJourneyStore.getState;
    const socket: ReconnectingSocket = connectSocket({
      url: metricsSocketUrl(journeyId, window.location),
      onMessage: (message) => {
        const m = message as { type?: string; nodes?: Counters };
        if (m.type === 'snapshot' && m.nodes) store().setCounters(m.nodes);
      },
      onStatus: (status) => {
        store().setConnection(status);
        // A new connection starts at "all"; ask again for the range on screen.
        if (status === 'online' && store().range !== 'all') socket.send({ range: store().range });
      },
      stopOnCodes: REFUSED,
      onRefused: () => store().setConnection('refused'),
    });
    current.current = socket;
    return () => {
      current.current = null;
      socket.close();
    };
  }, [journeyId]);

  useEffect(() => {
    current.current?.send({ range });
  }, [journeyId, range]);
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** The editor's keyboard shortcuts (listed in the help popover); not while typing in a field. */
export function useShortcuts(toggleHelp: () => void, closeHelp: () => void) {
  const flow = useReactFlow();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (typing(event.target)) return;
      const store = useJourneyStore.getState();
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      let handled = true;
      if (mod && key === 'z' && !event.shiftKey) store.undo();
      else if (mod && ((key === 'z' && event.shiftKey) || key === 'y')) store.redo();
      else if (mod && key === 'c') store.copySelection();
      else if (mod && key === 'v') store.paste();
      else if (mod && key === 's') void saveDraft();
      else if (!mod && event.shiftKey && key === 'l') {
        store.autoLayout();
        window.setTimeout(() => void flow.fitView({ duration: 300 }), 0);
      } else if (!mod && event.shiftKey && key === 'f') void flow.fitView({ duration: 300 });
      else if (!mod && event.key === '?') toggleHelp();
      else if (event.key === 'Escape') {
        closeHelp();
        store.selectOnly(null);
      }
      else handled = false;
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [flow, toggleHelp, closeHelp]);
}
