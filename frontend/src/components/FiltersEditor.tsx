import './FiltersEditor.css';
import type { PropertyFilter } from '../lib/journeySettings';
import { OperatorAndValue } from './ConditionBuilder';
import { FieldError, type Errors } from './FieldError';

/** The server's limit on a list of property filters (journeys/conditions/schema.py MAX_FILTERS). */
export const MAX_FILTERS = 20;

interface FiltersProps {
  value: PropertyFilter[];
  onChange: (filters: PropertyFilter[]) => void;
  /** Where the server's errors for these filters are reported ("goal.filters"). */
  path?: string;
  errors?: Errors;
  disabled?: boolean;
}

/**
 * Property filters on an event, in the shape PropertyFilterSerializer reads: the journey settings'
 * goal and exit criteria, and the prediction form's target (formFields).
 */
export function FiltersEditor({ value, onChange, path = 'filters', errors = {}, disabled = false }: FiltersProps) {
  const set = (index: number, changes: Partial<PropertyFilter>) =>
    onChange(
      value.map((filter, i) => {
        if (i !== index) return filter;
        const next: PropertyFilter = { ...filter, ...changes };
        if (next.value === undefined) delete next.value;
        return next;
      }),
    );
  return (
    <div className="property-filters" data-settings-field={path}>
      {value.map((filter, index) => {
        const at = `${path}[${index}]`;
        return (
          <div key={index} className="property-filter" data-filter-index={index}>
            <span className="condition__tag">where</span>
            <input
              type="text"
              aria-label="Property"
              placeholder="property, e.g. total"
              value={filter.property}
              disabled={disabled}
              aria-invalid={Boolean(errors[`${at}.property`]) || undefined}
              onChange={(e) => set(index, { property: e.target.value })}
            />
            <OperatorAndValue
              op={filter.op}
              value={filter.value}
              disabled={disabled}
              invalidValue={Boolean(errors[`${at}.value`])}
              onChange={(op, next) => set(index, { op, value: next })}
            />
            {!disabled && (
              <button type="button" className="link danger" onClick={() => onChange(value.filter((_, i) => i !== index))}>
                Remove
              </button>
            )}
            <FieldError errors={errors} path={at} />
            <FieldError errors={errors} path={`${at}.property`} />
            <FieldError errors={errors} path={`${at}.op`} />
            <FieldError errors={errors} path={`${at}.value`} />
          </div>
        );
      })}
      {!disabled && value.length < MAX_FILTERS && (
        <button type="button" className="secondary" onClick={() => onChange([...value, { property: '', op: 'eq', value: '' }])}>
          + Filter
        </button>
      )}
      <FieldError errors={errors} path={path} />
    </div>
  );
}
