import { useState } from 'react';
import { OPERATOR_LABELS, OPERATORS, parseLooseValue, showValue } from '../components/ConditionBuilder';

export type PropertyFilter = { property: string; op: string; value?: unknown };

/** The server's limit on a list of property filters (journeys/conditions/schema.py MAX_FILTERS). */
export const MAX_FILTERS = 20;

/** The filters a textarea holds (an empty one: none), or `undefined` when it is not a list of them. */
export function readFilters(text: string): PropertyFilter[] | undefined {
  if (text.trim() === '') return [];
  try {
    const value: unknown = JSON.parse(text);
    const isFilter = (item: unknown) => item !== null && typeof item === 'object' && !Array.isArray(item);
    return Array.isArray(value) && value.every(isFilter) ? (value as PropertyFilter[]) : undefined;
  } catch {
    return undefined;
  }
}

const needsValue = (op: string) => op !== 'exists' && op !== 'not_exists';

/**
 * Property filters ("total > 50") as rows of property, operator and value, in place of a
 * server-rendered form's JSON textarea, which the caller keeps filled through `onChange` (empty
 * when there are none).
 */
export function PropertyFiltersField({ initial, onChange }: { initial: PropertyFilter[]; onChange: (text: string) => void }) {
  const [filters, setFilters] = useState(initial);
  const write = (next: PropertyFilter[]) => {
    setFilters(next);
    onChange(next.length ? JSON.stringify(next) : '');
  };
  const patch = (index: number, changes: Partial<PropertyFilter>) => {
    const next = { ...filters[index]!, ...changes };
    if (!needsValue(next.op)) delete next.value;
    else if (next.value === undefined) next.value = '';
    write(filters.map((f, i) => (i === index ? next : f)));
  };

  return (
    <div className="filters-field" data-testid="filters-field">
      {filters.length === 0 && <p className="note">Every such event counts.</p>}
      {filters.map((filter, index) => (
        <div className="condition__leaf" key={index}>
          <span className="condition__tag">Property</span>
          <input
            type="text"
            aria-label="Property"
            placeholder="e.g. total"
            value={filter.property}
            onChange={(e) => patch(index, { property: e.target.value })}
          />
          <select aria-label="Operator" value={filter.op} onChange={(e) => patch(index, { op: e.target.value })}>
            {OPERATORS.map((op) => (
              <option key={op} value={op}>
                {OPERATOR_LABELS[op]}
              </option>
            ))}
          </select>
          {needsValue(filter.op) && (
            <input
              type="text"
              aria-label="Value"
              placeholder="value (42, true, text)"
              value={showValue(filter.value)}
              onChange={(e) => patch(index, { value: parseLooseValue(e.target.value) })}
            />
          )}
          <button type="button" className="link danger" onClick={() => write(filters.filter((_, i) => i !== index))}>
            Remove
          </button>
        </div>
      ))}
      {filters.length < MAX_FILTERS && (
        <button type="button" className="secondary" onClick={() => write([...filters, { property: '', op: 'eq', value: '' }])}>
          + Property filter
        </button>
      )}
    </div>
  );
}
