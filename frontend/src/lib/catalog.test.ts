import { describe, expect, it } from 'vitest';
import type { FieldSpec } from '../api/types';
import { nodeKind } from '../test/kinds';
import { durationLabel, groupByCategory, initialConfig, isShown, nodeTooltip, portsOf, singularLabel, withField } from './catalog';

const kind = nodeKind;

describe('groupByCategory', () => {
  it('puts known categories in journey order, unknown ones after by name, kinds by label', () => {
    const groups = groupByCategory([
      kind({ kind: 'z', category: 'zeta', label: 'Zed' }),
      kind({ kind: 'mail', category: 'action', label: 'Send email' }),
      kind({ kind: 'in', category: 'trigger', label: 'On event' }),
      kind({ kind: 'sms', category: 'action', label: 'Send SMS' }),
      kind({ kind: 'a', category: 'alpha', label: 'Alpha' }),
      kind({ kind: 'out', category: 'end', label: 'Exit' }),
    ]);
    expect(groups.map((g) => [g.category, g.kinds.map((k) => k.label)])).toEqual([
      ['trigger', ['On event']],
      ['action', ['Send email', 'Send SMS']],
      ['end', ['Exit']],
      ['alpha', ['Alpha']],
      ['zeta', ['Zed']],
    ]);
  });
});

describe('portsOf', () => {
  const split = kind({ kind: 'split', category: 'flow', dynamic_ports: true, port_field: 'variants', extra_ports: [] });
  const branch = kind({
    kind: 'branch',
    category: 'flow',
    ports: ['else'],
    dynamic_ports: true,
    port_field: 'branches',
    extra_ports: ['else'],
  });

  it('gives fixed ports for ordinary kinds and none for an unknown kind', () => {
    expect(portsOf(kind({ kind: 'w', category: 'flow', ports: ['matched', 'timeout'] }), {})).toEqual(['matched', 'timeout']);
    expect(portsOf(undefined, {})).toEqual([]);
  });

  it('names dynamic ports after the keys of the port field, then the extra ports', () => {
    expect(portsOf(split, { variants: [{ key: 'A' }, { key: 'B' }, { weight: 3 }, { key: '' }] })).toEqual(['A', 'B']);
    expect(portsOf(branch, { branches: [{ key: 'pro' }] })).toEqual(['pro', 'else']);
    expect(portsOf(branch, { branches: 'garbage' })).toEqual(['else']);
  });

  it('shows a switched port only while its boolean field is on', () => {
    const hook = kind({
      kind: 'hook',
      category: 'action',
      ports: ['next', 'failed'],
      dynamic_ports: true,
      ports_when: { failed: 'wait_for_outcome' },
    });
    expect(portsOf(hook, {})).toEqual(['next']);
    expect(portsOf(hook, { wait_for_outcome: false })).toEqual(['next']);
    expect(portsOf(hook, { wait_for_outcome: true })).toEqual(['next', 'failed']);
  });

  it('lists a repeated key once', () => {
    expect(portsOf(split, { variants: [{ key: 'A' }, { key: 'A' }] })).toEqual(['A']);
  });
});

describe('initialConfig', () => {
  it('takes defaults, fills required choices, booleans, lists and conditions, and leaves the rest out', () => {
    const config = initialConfig([
      { name: 'mode', type: 'choice', required: true, label: 'Mode', help: '', choices: ['duration', 'until'] },
      { name: 'offset', type: 'integer', required: false, label: 'Offset', help: '', default: 0 },
      { name: 'subject', type: 'string', required: true, label: 'Subject', help: '' },
      { name: 'note', type: 'string', required: false, label: 'Note', help: '' },
      { name: 'flag', type: 'boolean', required: true, label: 'Flag', help: '' },
      { name: 'rule', type: 'condition', required: true, label: 'Rule', help: '' },
      {
        name: 'variants',
        type: 'list',
        required: true,
        label: 'Variants',
        help: '',
        min_length: 2,
        item: [{ name: 'control', type: 'boolean', required: false, label: 'Control', help: '', default: false }],
      },
    ]);
    expect(config).toEqual({
      mode: 'duration',
      offset: 0,
      flag: false,
      rule: { all: [] },
      variants: [{ control: false }, { control: false }],
    });
  });
});

describe('isShown', () => {
  const fields: FieldSpec[] = [
    { name: 'mode', type: 'choice', required: false, label: 'Mode', help: '', default: 'duration' },
    { name: 'seconds', type: 'integer', required: false, label: 'Seconds', help: '', when: { mode: ['duration'] } },
    { name: 'at', type: 'string', required: false, label: 'At', help: '', when: { mode: ['until'], source: ['fixed'] } },
  ];
  const [mode, seconds, at] = fields;

  it('shows fields without a rule and those whose siblings match, defaults included', () => {
    expect(isShown(mode!, fields, {})).toBe(true);
    expect(isShown(seconds!, fields, {})).toBe(true);
    expect(isShown(seconds!, fields, { mode: 'until' })).toBe(false);
    expect(isShown(at!, fields, { mode: 'until' })).toBe(false);
    expect(isShown(at!, fields, { mode: 'until', source: 'fixed' })).toBe(true);
  });
});

describe('withField', () => {
  it('sets a field on a copy, and undefined removes the key', () => {
    const config = { mode: 'duration', seconds: 60 };
    expect(withField(config, 'seconds', 120)).toEqual({ mode: 'duration', seconds: 120 });
    expect(Object.keys(withField(config, 'seconds', undefined))).toEqual(['mode']);
    expect(config).toEqual({ mode: 'duration', seconds: 60 });
  });
});

describe('labels', () => {
  it('names one item of a list for its add button', () => {
    expect(singularLabel('Branches')).toBe('branch');
    expect(singularLabel('Variants')).toBe('variant');
    expect(singularLabel('Filters')).toBe('filter');
    expect(singularLabel('Changes')).toBe('change');
    expect(singularLabel('Days')).toBe('day');
    expect(singularLabel('Properties')).toBe('property');
    expect(singularLabel('Addresses')).toBe('address');
  });

  it('drops the stored unit from a duration label shown beside a unit select', () => {
    expect(durationLabel('Timeout seconds')).toBe('Timeout');
    expect(durationLabel('Offset seconds')).toBe('Offset');
    expect(durationLabel('Seconds')).toBe('Duration');
    expect(durationLabel('Minimum gap')).toBe('Minimum gap');
  });

  it('says the kind once in a card tooltip', () => {
    expect(nodeTooltip('Send SMS', 'SMS: Your basket is waiting')).toBe('Send SMS: Your basket is waiting');
    expect(nodeTooltip('Send email', 'Email: Welcome')).toBe('Send email: Welcome');
    expect(nodeTooltip('In-app message', 'In-app: Hello')).toBe('In-app message: Hello');
    expect(nodeTooltip('Exit', 'Exit: welcomed')).toBe('Exit: welcomed');
    expect(nodeTooltip('Condition', 'If prediction #1 ≥ 0.7')).toBe('Condition: If prediction #1 ≥ 0.7');
    // A colon that is part of the title stays.
    expect(nodeTooltip('Send SMS', 'Reminder: Your basket')).toBe('Send SMS: Reminder: Your basket');
  });
});
