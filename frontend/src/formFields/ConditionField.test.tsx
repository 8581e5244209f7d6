import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { mountHarness } from '../test/mount';
import { ConditionField, readCondition } from './ConditionField';

const mounted = mountHarness();
const click = (element: Element | null | undefined) => act(() => (element as HTMLElement).click());
const button = (label: string) =>
  [...mounted.container().querySelectorAll('button')].find((b) => b.textContent === label);
const radio = (label: string) =>
  [...mounted.container().querySelectorAll('label')].find((l) => l.textContent === label)?.querySelector('input');

describe('readCondition', () => {
  it('reads an empty field as everyone, an object as a condition, and anything else as not one', () => {
    expect(readCondition('  ')).toBeNull();
    expect(readCondition('{"type": "consent", "channel": "email"}')).toEqual({ type: 'consent', channel: 'email' });
    expect(readCondition('[1]')).toBeUndefined();
    expect(readCondition('{"type": ')).toBeUndefined();
  });
});

describe('ConditionField', () => {
  it('starts at everyone for an empty field and fills the field as a condition is built', () => {
    const onChange = vi.fn();
    mounted.render(<ConditionField name="population-who" initial={null} onChange={onChange} />);
    expect(radio('Everyone')?.checked).toBe(true);
    expect(mounted.container().querySelector('.condition')).toBeNull();

    click(radio('Customers who match a condition'));
    expect(onChange).toHaveBeenLastCalledWith('{"all":[]}');
    click(button('+ Consent'));
    expect(JSON.parse(onChange.mock.lastCall![0] as string)).toEqual({ all: [{ type: 'consent', channel: 'email' }] });
    expect(mounted.container().querySelector('[data-testid="audience-estimate"]')).not.toBeNull();

    // Back to everyone empties the field; the condition comes back if they change their mind.
    click(radio('Everyone'));
    expect(onChange).toHaveBeenLastCalledWith('');
    click(radio('Customers who match a condition'));
    expect(JSON.parse(onChange.mock.lastCall![0] as string)).toEqual({ all: [{ type: 'consent', channel: 'email' }] });
  });

  it('shows a condition the field already held (a form posted back with another error)', () => {
    mounted.render(
      <ConditionField name="p" initial={{ type: 'consent', channel: 'sms' }} onChange={vi.fn()} />,
    );
    expect(radio('Customers who match a condition')?.checked).toBe(true);
    expect(mounted.container().querySelector<HTMLSelectElement>('.condition__leaf select')?.value).toBe('sms');
  });
});
