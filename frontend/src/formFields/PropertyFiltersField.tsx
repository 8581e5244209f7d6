import { useState } from 'react';
import { FiltersEditor } from '../components/FiltersEditor';
import type { PropertyFilter } from '../lib/journeySettings';
import { isObject, readJson } from './readJson';

const isFilterList = (value: unknown): value is PropertyFilter[] => Array.isArray(value) && value.every(isObject);

/** The filters a textarea holds (an empty one: none), or `undefined` when it is not a list of them. */
export const readFilters = (text: string): PropertyFilter[] | undefined => readJson(text, [], isFilterList);

/**
 * The settings panel's filter rows in place of a server-rendered form's JSON textarea, which the
 * caller keeps filled through `onChange` (empty when there are none).
 */
export function PropertyFiltersField({ initial, onChange }: { initial: PropertyFilter[]; onChange: (text: string) => void }) {
  const [filters, setFilters] = useState(initial);
  return (
    <div className="filters-field" data-testid="filters-field">
      {filters.length === 0 && <p className="note">Every such event counts.</p>}
      <FiltersEditor
        value={filters}
        onChange={(next) => {
          setFilters(next);
          onChange(next.length ? JSON.stringify(next) : '');
        }}
      />
    </div>
  );
}
