// Shared by the inspector's component tests: each draws one node's Inspector into a fresh
// container, the way the app does, and drives its form fields.
import { ReactFlowProvider } from '@xyflow/react';
import { act } from 'react';
import { beforeEach } from 'vitest';
import type { NodeKind } from '../api/types';
import { Inspector } from '../components/Inspector';
import { resetEditor, useGraphStore } from '../store/graphStore';
import { mountHarness } from './mount';

export interface InspectorView {
  /** Draws the inspector again from the store, as the app does after an edit. */
  rerender: () => void;
  config: () => Record<string, unknown>;
}

/** Registers the set-up and clean-up of each test; `container()` is the current test's element. */
export function inspectorHarness(catalog: NodeKind[]) {
  beforeEach(() => {
    resetEditor();
    useGraphStore.getState().setCatalog(catalog);
  });
  const mounted = mountHarness();

  function show(kind: string, config: Record<string, unknown>, id = 'n'): InspectorView {
    useGraphStore.getState().loadJourney('1', {
      nodes: [{ id, type: 'journey', position: { x: 0, y: 0 }, data: { kind, label: '', config } }],
      edges: [],
    });
    const render = () => {
      const node = useGraphStore.getState().nodes[0]!;
      mounted.render(
        <ReactFlowProvider>
          <Inspector node={node} />
        </ReactFlowProvider>,
      );
    };
    render();
    return { rerender: render, config: () => useGraphStore.getState().nodes[0]!.data.config };
  }

  return { container: mounted.container, show };
}

/** Sets a field's value the way typing or choosing does, so React's onChange runs. */
export function setValue(element: Element | null | undefined, value: string) {
  const proto =
    element instanceof HTMLInputElement
      ? HTMLInputElement.prototype
      : element instanceof HTMLSelectElement
        ? HTMLSelectElement.prototype
        : element instanceof HTMLTextAreaElement
          ? HTMLTextAreaElement.prototype
          : null;
  if (!element || !proto) throw new Error('no input');
  act(() => {
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(element, value);
    element.dispatchEvent(new Event(element instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  });
}
