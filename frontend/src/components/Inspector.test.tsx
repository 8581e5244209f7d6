import { act } from 'react';
import { describe, expect, it } from 'vitest';
import type { NodeKind } from '../api/types';
import { useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';
import { inspectorHarness, setValue } from '../test/inspector';
import { freeOffset, rectOf } from '../lib/placement';
import { nodeKind } from '../test/kinds';

const WAIT = nodeKind({
  kind: 'wait',
  label: 'Wait',
  category: 'flow',
  waits: true,
  config: [
    { name: 'mode', type: 'choice', required: true, label: 'Mode', help: '', choices: ['duration', 'until'] },
    { name: 'seconds', type: 'integer', required: false, label: 'Seconds', help: '', widget: 'duration', when: { mode: ['duration'] } },
    { name: 'source', type: 'choice', required: false, label: 'Source', help: '', choices: ['fixed'], when: { mode: ['until'] } },
  ],
});
const SPLIT = nodeKind({
  kind: 'split',
  label: 'A/B split',
  category: 'flow',
  dynamic_ports: true,
  port_field: 'variants',
  config: [
    {
      name: 'variants',
      type: 'list',
      required: true,
      label: 'Variants',
      help: '',
      min_length: 2,
      item: [
        { name: 'key', type: 'string', required: true, label: 'Key', help: '' },
        { name: 'weight', type: 'number', required: true, label: 'Weight', help: '' },
      ],
    },
  ],
});
const BRANCH = nodeKind({
  kind: 'branch',
  label: 'Condition',
  category: 'flow',
  ports: ['else'],
  dynamic_ports: true,
  port_field: 'branches',
  extra_ports: ['else'],
  config: [{ name: 'rule', type: 'condition', required: true, label: 'Rule', help: '' }],
});

// As the server describes them (journeys/graph): a duration whose label names the stored unit,
// and a list whose label ends in "-ches".
const WAIT_FOR_EVENT: NodeKind = {
  ...WAIT,
  kind: 'wait_for_event',
  label: 'Wait for event',
  config: [{ name: 'timeout_seconds', type: 'integer', required: true, label: 'Timeout seconds', help: '', widget: 'duration' }],
};
const CONDITION: NodeKind = {
  ...BRANCH,
  kind: 'condition',
  config: [
    {
      name: 'branches',
      type: 'list',
      required: true,
      label: 'Branches',
      help: '',
      item: [{ name: 'key', type: 'string', required: true, label: 'Key', help: '' }],
    },
  ],
};

const { container, show } = inspectorHarness([WAIT, SPLIT, BRANCH, WAIT_FOR_EVENT, CONDITION]);

describe('Inspector', () => {
  it('stores a duration in seconds from an amount and a unit', () => {
    const view = show('wait', { mode: 'duration' });

    setValue(container().querySelector('[data-field="seconds"] select'), 'days');
    setValue(container().querySelector('[data-field="seconds"] input'), '3');

    expect(view.config()).toEqual({ mode: 'duration', seconds: 259_200 });
  });

  it('shows only the fields of the chosen mode', () => {
    const view = show('wait', { mode: 'duration' });
    expect(container().querySelector('[data-field="seconds"]')).not.toBeNull();
    expect(container().querySelector('[data-field="source"]')).toBeNull();

    setValue(container().querySelector('[data-field="mode"] select'), 'until');
    view.rerender();

    expect(container().querySelector('[data-field="seconds"]')).toBeNull();
    expect(container().querySelector('[data-field="source"]')).not.toBeNull();
  });

  it('adds list entries and totals variant weights', () => {
    const view = show('split', { variants: [{ key: 'A', weight: 50 }, { key: 'B', weight: 30 }] });
    expect(container().querySelector('[data-testid="weights-total"]')?.textContent).toContain('80 (should be 100)');

    const add = [...container().querySelectorAll('button')].find((b) => b.textContent === 'Add variant');
    act(() => add?.click());
    view.rerender();

    expect((view.config().variants as unknown[]).length).toBe(3);
  });

  it('labels a duration without the stored unit, which the unit select contradicts', () => {
    show('wait_for_event', { timeout_seconds: 300 });
    const field = container().querySelector('[data-field="timeout_seconds"]');
    expect(field?.querySelector('.field__label')?.textContent).toBe('Timeout *');
    expect(field?.querySelector('select')?.value).toBe('minutes');
  });

  it('names one branch on the add button: "Add branch", not "Add branche"', () => {
    const view = show('condition', { branches: [{ key: 'pro' }] });
    const buttons = [...container().querySelectorAll('button')].map((b) => b.textContent);
    expect(buttons).toContain('Add branch');
    expect(buttons).not.toContain('Add branche');
    act(() => [...container().querySelectorAll('button')].find((b) => b.textContent === 'Add branch')?.click());
    view.rerender();
    expect((view.config().branches as unknown[]).length).toBe(2);
  });

  it('builds a condition from the buttons of the builder', () => {
    const view = show('branch', { rule: { all: [] } });

    const add = [...container().querySelectorAll('button')].find((b) => b.textContent === '+ Attribute');
    act(() => add?.click());
    view.rerender();
    setValue(container().querySelector('.condition__leaf input[aria-label="Value"]'), '42');

    expect(view.config()).toEqual({ rule: { all: [{ type: 'attribute', attribute: '', op: 'eq', value: 42 }] } });
  });

  it('shows a server error under the field it names', () => {
    useSessionStore.getState().setValidation({
      ok: false,
      errors: [{ code: 'invalid_config', message: 'Required when mode is duration.', node_id: 'n', field: 'seconds', edge_id: null }],
      warnings: [],
    });
    show('wait', { mode: 'duration' });

    expect(container().querySelector('[data-field-error="seconds"]')?.textContent).toBe('Required when mode is duration.');
  });

  it('duplicates the step next to itself', () => {
    show('wait', { mode: 'duration', seconds: 60 });
    useGraphStore.getState().selectOnly('n');

    const duplicate = [...container().querySelectorAll('button')].find((b) => b.textContent === 'Duplicate step');
    act(() => duplicate?.click());

    const copy = useGraphStore.getState().nodes.find((n) => n.id === 'n-2');
    expect(copy?.data.config).toEqual({ mode: 'duration', seconds: 60 });
    // Beside the original, not on top of it.
    const original = useGraphStore.getState().nodes.find((n) => n.id === 'n')!;
    expect(freeOffset([rectOf(copy!)], [rectOf(original)], 0)).toEqual({ x: 0, y: 0 });
  });
});
