import { useId, useState } from 'react';
import type { FieldSpec } from '../api/types';
import { durationLabel, initialConfig, isShown, singularLabel, withField } from '../lib/catalog';
import { splitDuration, toSeconds, UNITS, type DurationUnit } from '../lib/duration';
import { AudienceEstimate } from './AudienceEstimate';
import { ConditionBuilder } from './ConditionBuilder';
import { AttributePicker, EventPicker, TemplatePicker } from './pickers';

export interface FieldEditorProps {
  field: FieldSpec;
  value: unknown;
  /** `undefined` removes the key from the config. */
  onChange: (value: unknown) => void;
  error?: string;
  disabled?: boolean;
}

/** One config field, drawn from its catalog description: the inspector is only these. */
export function FieldEditor({ field, value, onChange, error, disabled }: FieldEditorProps) {
  const id = useId();
  const duration = field.widget === 'duration' && (field.type === 'integer' || field.type === 'number');
  const label = (
    <label htmlFor={id} className="field__label">
      {/* Beside a unit select, "Timeout seconds" would contradict "minutes": the label drops the unit. */}
      {duration ? durationLabel(field.label) : field.label}
      {field.required && <span className="field__required"> *</span>}
    </label>
  );
  const note = (
    <>
      {field.help && <p className="field__help">{field.help}</p>}
      {error && (
        <p className="field__error" role="alert" data-field-error={field.name}>
          {error}
        </p>
      )}
    </>
  );

  if (field.type === 'boolean') {
    return (
      <div className={`field field--boolean${error ? ' field--invalid' : ''}`} data-field={field.name}>
        <label className="field__check">
          <input type="checkbox" checked={value === true} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
          {field.label}
        </label>
        {note}
      </div>
    );
  }

  if (field.type === 'object' || field.type === 'list' || field.type === 'condition') {
    return (
      <fieldset className={`field field--${field.type}${error ? ' field--invalid' : ''}`} data-field={field.name}>
        <legend className="field__label">
          {field.label}
          {field.required && <span className="field__required"> *</span>}
        </legend>
        {field.type === 'object' && (
          <ObjectEditor fields={field.fields ?? []} value={asObject(value)} onChange={onChange} disabled={disabled} />
        )}
        {field.type === 'list' && <ListEditor field={field} value={value} onChange={onChange} disabled={disabled} />}
        {field.type === 'condition' && (
          <>
            <ConditionBuilder value={asObject(value)} onChange={onChange} disabled={disabled} />
            <AudienceEstimate condition={value} />
          </>
        )}
        {note}
      </fieldset>
    );
  }

  return (
    <div className={`field${error ? ' field--invalid' : ''}`} data-field={field.name}>
      {label}
      <ScalarInput id={id} field={field} value={value} onChange={onChange} disabled={disabled} invalid={Boolean(error)} />
      {note}
    </div>
  );
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface ScalarInputProps {
  id: string;
  field: FieldSpec;
  value: unknown;
  onChange: (value: unknown) => void;
  disabled?: boolean;
  invalid?: boolean;
}

function ScalarInput({ id, field, value, onChange, disabled, invalid }: ScalarInputProps) {
  const common = { id, disabled, 'aria-invalid': invalid || undefined };
  const text = (v: string) => onChange(v === '' && !field.required ? undefined : v);

  if (field.widget === 'duration' && (field.type === 'integer' || field.type === 'number')) {
    return <DurationInput {...common} value={typeof value === 'number' ? value : undefined} onChange={onChange} />;
  }
  if (field.widget === 'template') {
    return (
      <TemplatePicker
        id={id}
        channel={field.channel ?? ''}
        value={value}
        onChange={onChange}
        disabled={disabled}
        numeric={field.type === 'integer' || field.type === 'number'}
      />
    );
  }
  if (field.widget === 'event_name') {
    return <EventPicker id={id} value={asText(value)} onChange={text} disabled={disabled} invalid={invalid} />;
  }
  if (field.widget === 'attribute') {
    return <AttributePicker id={id} value={asText(value)} onChange={text} disabled={disabled} invalid={invalid} />;
  }
  switch (field.type) {
    case 'integer':
    case 'number':
      return (
        <input
          {...common}
          type="number"
          step={field.type === 'integer' ? 1 : 'any'}
          min={field.min_value}
          max={field.max_value}
          value={typeof value === 'number' ? value : ''}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
    case 'choice':
      return (
        <select {...common} value={asText(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
          {!field.required || value === undefined ? <option value="">—</option> : null}
          {/* The API gives choices as any JSON values; the select holds them, and sends them, as text. */}
          {field.choices?.map(String).map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      );
    case 'datetime':
      return <DateTimeInput {...common} value={typeof value === 'string' ? value : ''} onChange={onChange} />;
    case 'json':
      return <JsonInput {...common} value={value} onChange={onChange} />;
    case 'url':
      return <input {...common} type="url" maxLength={field.max_length} value={asText(value)} onChange={(e) => text(e.target.value)} />;
    default:
      if (field.widget === 'textarea' || field.widget === 'html' || (field.max_length ?? 0) > 1000) {
        return (
          <textarea
            {...common}
            rows={field.widget === 'html' || (field.max_length ?? 0) > 5000 ? 8 : 4}
            maxLength={field.max_length}
            value={asText(value)}
            onChange={(e) => text(e.target.value)}
          />
        );
      }
      return <input {...common} type="text" maxLength={field.max_length} value={asText(value)} onChange={(e) => text(e.target.value)} />;
  }
}

function DurationInput({
  id,
  value,
  onChange,
  disabled,
}: {
  id: string;
  value: number | undefined;
  onChange: (value: unknown) => void;
  disabled?: boolean;
}) {
  const parts = value === undefined ? undefined : splitDuration(value);
  // The unit is kept while the amount is empty, so "days" does not jump back to seconds.
  const [unit, setUnit] = useState<DurationUnit>(parts?.unit ?? 'hours');
  const shownUnit = parts?.unit ?? unit;
  return (
    <span className="duration">
      <input
        id={id}
        type="number"
        step="any"
        disabled={disabled}
        value={parts ? parts.amount : ''}
        onChange={(e) => onChange(e.target.value === '' ? undefined : toSeconds(Number(e.target.value), shownUnit))}
      />
      <select
        aria-label="Unit"
        disabled={disabled}
        value={shownUnit}
        onChange={(e) => {
          const next = e.target.value as DurationUnit;
          setUnit(next);
          if (parts) onChange(toSeconds(parts.amount, next));
        }}
      >
        {UNITS.map((u) => (
          <option key={u.unit} value={u.unit}>
            {u.unit}
          </option>
        ))}
      </select>
    </span>
  );
}

/** A local date-time picker that stores an ISO string with the browser's offset. */
function DateTimeInput({ id, value, onChange, disabled }: { id: string; value: string; onChange: (v: unknown) => void; disabled?: boolean }) {
  const parsed = value ? new Date(value) : null;
  const local =
    parsed && !Number.isNaN(parsed.getTime())
      ? new Date(parsed.getTime() - parsed.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
      : '';
  return (
    <input
      id={id}
      type="datetime-local"
      disabled={disabled}
      value={local}
      onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : undefined)}
    />
  );
}

/** Free JSON, kept as typed until it parses, so half-written objects are not lost. */
function JsonInput({ id, value, onChange, disabled }: { id: string; value: unknown; onChange: (v: unknown) => void; disabled?: boolean }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const shown = draft ?? (value === undefined ? '' : JSON.stringify(value, null, 2));
  return (
    <>
      <textarea
        id={id}
        rows={3}
        className="json"
        disabled={disabled}
        value={shown}
        onChange={(e) => {
          setDraft(e.target.value);
          if (e.target.value.trim() === '') {
            setProblem(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setProblem(null);
          } catch {
            setProblem('Not valid JSON yet');
          }
        }}
        onBlur={() => !problem && setDraft(null)}
      />
      {problem && <p className="field__error">{problem}</p>}
    </>
  );
}

function ObjectEditor({
  fields,
  value,
  onChange,
  disabled,
}: {
  fields: FieldSpec[];
  value: Record<string, unknown>;
  onChange: (value: unknown) => void;
  disabled?: boolean;
}) {
  return (
    <div className="object-fields">
      {fields
        .filter((f) => isShown(f, fields, value))
        .map((f) => (
          <FieldEditor
            key={f.name}
            field={f}
            value={value[f.name]}
            disabled={disabled}
            onChange={(v) => onChange(withField(value, f.name, v))}
          />
        ))}
    </div>
  );
}

function ListEditor({
  field,
  value,
  onChange,
  disabled,
}: {
  field: FieldSpec;
  value: unknown;
  onChange: (value: unknown) => void;
  disabled?: boolean;
}) {
  const items = Array.isArray(value) ? (value as unknown[]) : [];
  const itemFields = field.item ?? [];
  // A list of plain values is described with a single field named "value".
  const scalar = itemFields.length === 1 && itemFields[0]?.name === 'value';
  const weightField = itemFields.find((f) => f.name === 'weight' && (f.type === 'number' || f.type === 'integer'));
  const total = weightField
    ? items.reduce<number>((sum, item) => sum + (Number((item as Record<string, unknown>)?.weight) || 0), 0)
    : null;
  const replace = (index: number, item: unknown) => onChange(items.map((old, i) => (i === index ? item : old)));
  const canAdd = field.max_length === undefined || items.length < field.max_length;
  const canRemove = field.min_length === undefined || items.length > field.min_length;

  return (
    <div className="list-editor">
      {items.map((item, index) => (
        <div className="list-editor__item" key={index}>
          {scalar && itemFields[0] ? (
            <FieldEditor field={itemFields[0]} value={item} onChange={(v) => replace(index, v)} disabled={disabled} />
          ) : (
            <ObjectEditor fields={itemFields} value={asObject(item)} onChange={(v) => replace(index, v)} disabled={disabled} />
          )}
          {!disabled && canRemove && (
            <button type="button" className="link danger" onClick={() => onChange(items.filter((_, i) => i !== index))}>
              Remove
            </button>
          )}
        </div>
      ))}
      {total !== null && (
        <p className={`list-editor__total${Math.abs(total - 100) > 1e-6 ? ' is-off' : ''}`} data-testid="weights-total">
          Weights add up to {Math.round(total * 100) / 100}
          {Math.abs(total - 100) > 1e-6 ? ' (should be 100)' : ''}
        </p>
      )}
      {!disabled && canAdd && (
        <button
          type="button"
          className="secondary"
          onClick={() => onChange([...items, scalar ? undefined : initialConfig(itemFields)])}
        >
          Add {singularLabel(field.label)}
        </button>
      )}
    </div>
  );
}
