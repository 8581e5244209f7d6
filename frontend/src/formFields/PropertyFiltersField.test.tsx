import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { setValue } from '../test/inspector';
import { mountHarness } from '../test/mount';
import { MAX_FILTERS } from '../components/FiltersEditor';
import { PropertyFiltersField, readFilters } from './PropertyFiltersField';

const mounted = mountHarness();
const find = (selector: string) => mounted.container().querySelector(selector);
const add = () => act(() => [...mounted.container().querySelectorAll('button')].find((b) => b.textContent === '+ Filter')!.click());
const last = (onChange: ReturnType<typeof vi.fn>) => onChange.mock.lastCall![0] as string;

describe('readFilters', () => {
  it('reads empty text as no filters, a list of objects as filters, and anything else as not filters', () => {
    expect(readFilters('')).toEqual([]);
    expect(readFilters('[{"property": "total", "op": "gt", "value": 50}]')).toEqual([{ property: 'total', op: 'gt', value: 50 }]);
    expect(readFilters('{"property": "total"}')).toBeUndefined();
    expect(readFilters('[1]')).toBeUndefined();
    expect(readFilters('[{')).toBeUndefined();
  });
});

describe('PropertyFiltersField', () => {
  it('builds a typed filter row by row and empties the field when the last is removed', () => {
    const onChange = vi.fn();
    mounted.render(<PropertyFiltersField initial={[]} onChange={onChange} />);
    expect(mounted.container().textContent).toContain('Every such event counts.');

    add();
    setValue(find('input[aria-label="Property"]'), 'total');
    setValue(find('select[aria-label="Operator"]'), 'gt');
    setValue(find('input[aria-label="Value"]'), '50');
    expect(JSON.parse(last(onChange))).toEqual([{ property: 'total', op: 'gt', value: 50 }]);

    // "is set" needs no value: the value goes, and comes back empty when an operator needs one.
    setValue(find('select[aria-label="Operator"]'), 'exists');
    expect(find('input[aria-label="Value"]')).toBeNull();
    expect(JSON.parse(last(onChange))).toEqual([{ property: 'total', op: 'exists' }]);
    setValue(find('select[aria-label="Operator"]'), 'eq');
    expect(JSON.parse(last(onChange))).toEqual([{ property: 'total', op: 'eq', value: '' }]);

    act(() => [...mounted.container().querySelectorAll('button')].find((b) => b.textContent === 'Remove')!.click());
    expect(last(onChange)).toBe('');
  });

  it('offers no more rows than the server takes', () => {
    const full = Array.from({ length: MAX_FILTERS }, (_, i) => ({ property: `p${i}`, op: 'exists' }));
    mounted.render(<PropertyFiltersField initial={full} onChange={vi.fn()} />);
    expect(mounted.container().querySelectorAll('.property-filter')).toHaveLength(MAX_FILTERS);
    expect([...mounted.container().querySelectorAll('button')].some((b) => b.textContent === '+ Filter')).toBe(false);
  });
});
