// A fresh element and React root for each test, removed afterwards: the set-up most component
// tests share.
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, vi } from 'vitest';

/** Registers the set-up and clean-up of each test; `render` draws into the current test's element. */
export function mountHarness() {
  let container: HTMLDivElement;
  let root: Root;

  beforeEach(() => {
    vi.stubGlobal('IS_REACT_ACT_ENVIRONMENT', true);
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });

  afterEach(() => {
    act(() => root.unmount());
    container.remove();
  });

  return {
    render: (element: ReactNode) => act(() => root.render(element)),
    container: () => container,
  };
}
