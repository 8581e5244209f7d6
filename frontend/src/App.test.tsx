import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { useJourneyStore } from './store/journeyStore';

// jsdom has no layout engine; React Flow only needs these to exist.
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}

let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  vi.stubGlobal('IS_REACT_ACT_ENVIRONMENT', true);
  vi.stubGlobal('ResizeObserver', NoopResizeObserver);
  useJourneyStore.getState().reset();
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

describe('App', () => {
  it('renders the editor header and an empty React Flow canvas', () => {
    act(() => root.render(<App config={{ journeyId: null, apiBase: '/api/' }} />));

    expect(container.querySelector('h1')?.textContent).toBe('Journey editor');
    expect(container.textContent).toContain('New journey');
    expect(container.querySelector('.react-flow')).not.toBeNull();
    expect(container.querySelector('.react-flow__controls')).not.toBeNull();
    expect(container.querySelector('.react-flow__minimap')).not.toBeNull();
    expect(container.querySelectorAll('.react-flow__node')).toHaveLength(0);
  });

  it('shows the journey id and draws the store nodes with the journey node type', () => {
    useJourneyStore.getState().loadJourney('9', {
      nodes: [
        {
          id: 't',
          type: 'journey',
          position: { x: 0, y: 0 },
          data: { kind: 'trigger', label: 'Signed up', config: {} },
        },
      ],
      edges: [],
    });

    act(() => root.render(<App config={{ journeyId: '9', apiBase: '/api/' }} />));

    expect(container.textContent).toContain('Journey #9');
    const node = container.querySelector('.react-flow__node');
    expect(node?.textContent).toContain('Signed up');
    expect(node?.querySelector('.journey-node')).not.toBeNull();
  });
});
