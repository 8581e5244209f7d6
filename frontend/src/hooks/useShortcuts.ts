import { useReactFlow } from '@xyflow/react';
import { useEffect } from 'react';
import { saveDraft } from '../store/actions';
import { useGraphStore } from '../store/graphStore';
import { FIT_VIEW_ANIMATED } from '../lib/viewport';

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
      const graph = useGraphStore.getState();
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      let handled = true;
      if (mod && key === 'z' && !event.shiftKey) graph.undo();
      else if (mod && ((key === 'z' && event.shiftKey) || key === 'y')) graph.redo();
      else if (mod && key === 'c') graph.copySelection();
      else if (mod && key === 'v') graph.paste();
      else if (mod && key === 's') void saveDraft();
      else if (!mod && event.shiftKey && key === 'l') {
        graph.autoLayout();
        window.setTimeout(() => void flow.fitView(FIT_VIEW_ANIMATED), 0);
      } else if (!mod && event.shiftKey && key === 'f') void flow.fitView(FIT_VIEW_ANIMATED);
      else if (!mod && event.key === '?') toggleHelp();
      else if (event.key === 'Escape') {
        closeHelp();
        graph.selectOnly(null);
      }
      else handled = false;
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [flow, toggleHelp, closeHelp]);
}
