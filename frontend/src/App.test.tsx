import { act } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import type { NodeKind } from './api/types';
import { resetEditor, useGraphStore } from './store/graphStore';
import { useSessionStore } from './store/sessionStore';
import { mountHarness } from './test/mount';
import { nodeKind } from './test/kinds';

// jsdom has no layout engine; React Flow only needs these to exist.
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const KINDS: NodeKind[] = [
  nodeKind({
    kind: 'event_trigger',
    label: 'Event trigger',
    category: 'trigger',
    description: 'Enters on an event',
    config: [{ name: 'event', type: 'string', required: true, label: 'Event', help: '', widget: 'event_name' }],
  }),
  nodeKind({
    kind: 'wait',
    label: 'Wait',
    category: 'flow',
    description: 'Waits',
    waits: true,
    config: [{ name: 'seconds', type: 'integer', required: true, label: 'Seconds', help: '', widget: 'duration' }],
  }),
];

beforeEach(() => {
  vi.stubGlobal('ResizeObserver', NoopResizeObserver);
  resetEditor();
  useGraphStore.getState().setCatalog(KINDS);
});

const mounted = mountHarness();

async function render(canEdit = true) {
  mounted.render(<App offline config={{ journeyId: '9', apiBase: '/api/', canEdit }} />);
  // Let the toolbar's version list request settle inside act, as it would before anyone looks.
  await act(async () => {});
}

describe('App', () => {
  it('draws the palette grouped by category from the catalog', async () => {
    await render();

    const groups = [...mounted.container().querySelectorAll('.palette__group')].map((g) => ({
      category: g.querySelector('h2')?.textContent,
      kinds: [...g.querySelectorAll('.palette__item')].map((b) => b.textContent),
    }));
    expect(groups).toEqual([
      { category: 'trigger', kinds: ['Event trigger'] },
      { category: 'flow', kinds: ['Wait'] },
    ]);
    expect(mounted.container().querySelector('.react-flow__minimap')).not.toBeNull();
    expect(mounted.container().querySelector('.react-flow__controls')).not.toBeNull();
  });

  it('shows counts on each node under the data-testid the bench reads, exits only once there are some', async () => {
    useGraphStore.getState().loadJourney('9', {
      nodes: [{ id: 'w', type: 'journey', position: { x: 0, y: 0 }, data: { kind: 'wait', label: 'Hold', config: {} } }],
      edges: [],
    });
    useSessionStore.getState().setCounters({ w: { entered: 12, waiting: 5, 'passed:next': 7 } });
    await render();

    const node = mounted.container().querySelector('.react-flow__node[data-id="w"]');
    expect(node?.querySelector('[data-testid="count-entered"]')?.textContent).toBe('12');
    expect(node?.querySelector('[data-testid="count-waiting"]')?.textContent).toBe('5');
    expect(node?.querySelector('[data-testid="count-exited"]')).toBeNull();
    // A one-port step's outflow is its edge's label; only steps with branches count per port.
    expect(node?.querySelector('[data-testid="count-passed-next"]')).toBeNull();
    act(() => useSessionStore.getState().setCounters({ w: { entered: 12, waiting: 5, exited: 2 } }));
    expect(node?.querySelector('[data-testid="count-exited"]')?.textContent).toBe('2');

    act(() => useSessionStore.getState().setMetricMode('percent'));
    expect(node?.querySelector('[data-testid="count-waiting"]')?.textContent).toBe('42%');
  });

  it('opens the inspector with the kind form for the one selected node', async () => {
    useGraphStore.getState().loadJourney('9', {
      nodes: [
        { id: 'w', type: 'journey', position: { x: 0, y: 0 }, selected: true, data: { kind: 'wait', label: 'Hold', config: { seconds: 7200 } } },
      ],
      edges: [],
    });
    await render();

    const inspector = mounted.container().querySelector('.inspector');
    expect(inspector?.getAttribute('data-node-id')).toBe('w');
    const amount = inspector?.querySelector<HTMLInputElement>('[data-field="seconds"] input[type="number"]');
    expect(amount?.value).toBe('2');
    expect(inspector?.querySelector<HTMLSelectElement>('[data-field="seconds"] select')?.value).toBe('hours');
  });

  it('hides the palette and disables the inspector for a read-only user', async () => {
    useGraphStore.getState().loadJourney('9', {
      nodes: [{ id: 'w', type: 'journey', position: { x: 0, y: 0 }, selected: true, data: { kind: 'wait', label: 'Hold', config: {} } }],
      edges: [],
    });
    await render(false);

    expect(mounted.container().querySelector('.palette')).toBeNull();
    expect(mounted.container().querySelector<HTMLFieldSetElement>('.inspector__form')?.disabled).toBe(true);
    expect(mounted.container().textContent).toContain('Read-only');
  });

  it('opens the test run panel over the editor body, below the toolbar, not inside the toolbar', async () => {
    await render();
    const button = [...mounted.container().querySelectorAll<HTMLButtonElement>('.toolbar button')].find((b) => b.textContent === 'Test run');
    act(() => button?.click());

    const panel = mounted.container().querySelector('[data-testid="test-run-panel"]');
    expect(panel).not.toBeNull();
    // Placed like the review panel: a fixed panel inside the toolbar covered the site nav and the toolbar.
    expect(panel?.parentElement?.classList.contains('editor-shell__body')).toBe(true);
    expect(mounted.container().querySelector('.toolbar [data-testid="test-run-panel"]')).toBeNull();
  });

  it('renders a label with markup as text', async () => {
    useGraphStore.getState().loadJourney('9', {
      nodes: [
        { id: 'x', type: 'journey', position: { x: 0, y: 0 }, data: { kind: 'wait', label: '<img src=x onerror="alert(1)">', config: {} } },
      ],
      edges: [],
    });
    await render();

    const label = mounted.container().querySelector('[data-testid="node-label"]');
    expect(label?.textContent).toBe('<img src=x onerror="alert(1)">');
    expect(label?.querySelector('img')).toBeNull();
  });
});
