import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JourneyNode } from '../lib/journey';
import { saveDraft } from '../store/actions';
import { resetEditor, useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';
import { AUTOSAVE_DELAY_MS, useAutosave } from './useAutosave';

// The hook's job is deciding when to save; what saving does is tested with the actions.
vi.mock('../store/actions', () => ({ saveDraft: vi.fn(() => Promise.resolve()) }));

function Autosaving() {
  useAutosave();
  return null;
}

const node = (id: string): JourneyNode => ({ id, type: 'journey', position: { x: 0, y: 0 }, data: { kind: 'wait', label: id, config: {} } });
const graph = () => useGraphStore.getState();

let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('IS_REACT_ACT_ENVIRONMENT', true);
  vi.mocked(saveDraft).mockClear();
  resetEditor();
  graph().loadJourney('1', { nodes: [node('a'), node('b')], edges: [] });
  container = document.createElement('div');
  root = createRoot(container);
  act(() => root.render(<Autosaving />));
});

afterEach(() => {
  act(() => root.unmount());
  vi.useRealTimers();
});

describe('autosave', () => {
  it('saves once, a moment after the last graph edit', () => {
    act(() => graph().updateNodeData('a', { label: 'W' }));
    act(() => {
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS - 1);
    });
    act(() => graph().onConnect({ source: 'a', sourceHandle: null, target: 'b', targetHandle: null }));
    act(() => {
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS - 1);
    });
    expect(saveDraft).not.toHaveBeenCalled();

    act(() => {
      vi.advanceTimersByTime(1);
    });
    expect(saveDraft).toHaveBeenCalledTimes(1);
  });

  it('does not save for selection alone', () => {
    act(() => graph().selectOnly('a'));
    act(() => graph().onNodesChange([{ type: 'select', id: 'b', selected: true }]));
    act(() => {
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS * 2);
    });

    expect(saveDraft).not.toHaveBeenCalled();
  });

  it('waits for the next edit after a failed save instead of retrying', () => {
    act(() => graph().updateNodeData('a', { label: 'W' }));
    act(() => {
      useSessionStore.getState().markSaving();
      useSessionStore.getState().markSaveFailed('refused');
    });
    act(() => {
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS * 2);
    });
    expect(saveDraft).not.toHaveBeenCalled();

    act(() => graph().updateNodeData('a', { label: 'We' }));
    act(() => {
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS);
    });
    expect(saveDraft).toHaveBeenCalledTimes(1);
  });

  it('warns before leaving with unsaved edits, not when saved', () => {
    const leave = () => {
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(leave()).toBe(false);
    act(() => graph().updateNodeData('a', { label: 'W' }));
    expect(leave()).toBe(true);
  });
});
