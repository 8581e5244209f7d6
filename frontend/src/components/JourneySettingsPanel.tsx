import { useEffect, useId, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { editorApi } from '../api/editorApi';
import { useReadOnly } from '../hooks/useReadOnly';
import { splitDuration, toSeconds, UNITS, type DurationUnit } from '../lib/duration';
import {
  newGoal,
  normalizeSettings,
  RE_ENTRY_LABELS,
  settingsErrors,
  type EventCriterion,
  type JourneySettings,
  type ReEntryMode,
} from '../lib/journeySettings';
import { validate, type Notify } from '../store/actions';
import { useSessionStore } from '../store/sessionStore';
import { useSettingsStore } from '../store/settingsStore';
import { FieldError, type Errors } from './FieldError';
import { FiltersEditor } from './FiltersEditor';
import { EventPicker } from './pickers';

/** A number input's text as the API wants it: empty is null (the server says whether that is allowed). */
const numberOrNull = (text: string): number | null => (text.trim() === '' ? null : Number(text));

function Field({ label, path, errors, children, help }: { label: string; path: string; errors: Errors; children: (id: string) => ReactNode; help?: string }) {
  const id = useId();
  return (
    <div className="field" data-settings-field={path}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children(id)}
      {help && <p className="field__help">{help}</p>}
      <FieldError errors={errors} path={path} />
    </div>
  );
}

function CriterionEditor({
  value,
  onChange,
  path,
  errors,
  disabled,
  eventLabel,
}: {
  value: EventCriterion;
  onChange: (criterion: EventCriterion) => void;
  path: string;
  errors: Errors;
  disabled: boolean;
  eventLabel: string;
}) {
  return (
    <>
      <Field label={eventLabel} path={`${path}.event`} errors={errors}>
        {(id) => (
          <EventPicker id={id} value={value.event} disabled={disabled} invalid={Boolean(errors[`${path}.event`])} onChange={(event) => onChange({ ...value, event })} />
        )}
      </Field>
      <FiltersEditor value={value.filters} onChange={(filters) => onChange({ ...value, filters })} path={`${path}.filters`} errors={errors} disabled={disabled} />
      <FieldError errors={errors} path={path} />
    </>
  );
}

/** Seconds edited as an amount and a unit, as the inspector shows durations. */
function GapInput({ id, seconds, onChange, disabled, invalid }: { id: string; seconds: number | null; onChange: (seconds: number | null) => void; disabled: boolean; invalid: boolean }) {
  const [unit, setUnit] = useState<DurationUnit>(() => splitDuration(seconds ?? 0).unit);
  const size = UNITS.find((u) => u.unit === unit)?.seconds ?? 1;
  return (
    <span className="settings-duration">
      <input
        id={id}
        type="number"
        value={seconds === null ? '' : String(seconds / size)}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        onChange={(e) => {
          const amount = numberOrNull(e.target.value);
          onChange(amount === null ? null : toSeconds(amount, unit));
        }}
      />
      <select
        aria-label="Unit"
        value={unit}
        disabled={disabled}
        onChange={(e) => {
          const next = e.target.value as DurationUnit;
          setUnit(next);
          if (seconds !== null) onChange(toSeconds(seconds / size, next));
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

// Paths the panel has a place for: an event criterion's event and filters (each filter's parts).
const PLACED = [
  /^goal(\.(event|window_days|exit_on_conversion)|\.filters(\[\d+\](\.(property|op|value))?)?)?$/,
  /^exit_criteria(\[\d+\](\.event|\.filters(\[\d+\](\.(property|op|value))?)?)?)?$/,
  /^re_entry\.mode$/,
  /^entry_cap$/,
];

/** Whether a field of the panel shows the server's message for this path. */
function isPlaced(path: string, settings: JourneySettings | null): boolean {
  if (path === 're_entry.min_gap_seconds') return settings?.re_entry.mode === 'any_time';
  if (path.startsWith('goal.') && !settings?.goal) return false;
  return PLACED.some((pattern) => pattern.test(path));
}

/**
 * The journey's goal, exit criteria, re-entry and entry cap. Saved with the draft by its own
 * button; the server checks every field and its messages are shown beside the field they name.
 * Like the graph, settings reach customers when the draft is published (the engine reads the
 * settings of the version a customer entered).
 */
export function JourneySettingsPanel({ onClose, notify }: { onClose: () => void; notify: Notify }) {
  const journeyId = useSessionStore((s) => s.journeyId);
  const status = useSessionStore((s) => s.meta.status);
  const viewingVersion = useSessionStore((s) => s.viewingVersion);
  const canEdit = useSessionStore((s) => s.canEdit);
  const readOnly = useReadOnly();
  const [settings, setSettings] = useState<JourneySettings | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [state, setState] = useState<'loading' | 'clean' | 'dirty' | 'saving' | 'saved'>('loading');

  useEffect(() => {
    if (!journeyId) return;
    let cancelled = false;
    const api = editorApi();
    const read = viewingVersion === null ? api.journey(journeyId) : api.version(journeyId, viewingVersion);
    read
      .then((found) => {
        if (cancelled) return;
        setSettings(normalizeSettings(found.settings));
        setErrors({});
        setState('clean');
      })
      .catch((error: unknown) => {
        if (!cancelled) setErrors({ settings: error instanceof Error ? error.message : String(error) });
      });
    return () => {
      cancelled = true;
    };
  }, [journeyId, viewingVersion]);

  const change = (next: JourneySettings) => {
    setSettings(next);
    setState('dirty');
  };

  const save = async () => {
    if (!journeyId || !settings || readOnly) return;
    setState('saving');
    try {
      const journey = await editorApi().saveSettings(journeyId, settings);
      useSettingsStore.getState().setDraft(journey.settings);
      setSettings(normalizeSettings(journey.settings));
      setErrors({});
      setState('saved');
      const live = status === 'live' || status === 'paused';
      notify(live ? 'Settings saved to the draft: publish to apply them to new customers.' : 'Settings saved.');
      void validate();
    } catch (error) {
      const found = error instanceof ApiError ? settingsErrors(error.body) : {};
      setErrors(Object.keys(found).length ? found : { settings: error instanceof Error ? error.message : String(error) });
      setState('dirty');
    }
  };

  const disabled = readOnly || state === 'saving';
  const goal = settings?.goal ?? null;
  // Errors whose path no field shows (a new rule on the server, say) still reach the marketer.
  const unplaced = Object.entries(errors).filter(([path]) => path !== 'settings' && !isPlaced(path, settings));

  return (
    <aside className="dialog settings-panel" role="dialog" aria-label="Journey settings" data-state={state}>
      <header className="settings-panel__head">
        <h2>Journey settings</h2>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close settings">
          Close
        </button>
      </header>
      {readOnly && (
        <p className="notice" data-testid="settings-read-only">
          {!canEdit
            ? 'Read-only: your role may read these settings but not change them.'
            : viewingVersion !== null
              ? `Read-only: the settings of published version ${viewingVersion}.`
              : 'Read-only: this journey is archived.'}
        </p>
      )}
      {!readOnly && (status === 'live' || status === 'paused') && (
        <p className="muted">
          Customers run on the settings of the version they entered. Changes here are saved with the draft and apply
          to new customers when you publish it.
        </p>
      )}
      <FieldError errors={errors} path="settings" />
      {unplaced.map(([path, message]) => (
        <p key={path} className="field__error" role="alert" data-error-for={path}>
          {path}: {message}
        </p>
      ))}
      {settings && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <fieldset className="settings-panel__section" disabled={disabled}>
            <legend>Goal</legend>
            <label className="field__check">
              <input
                type="checkbox"
                checked={goal !== null}
                onChange={(e) => change({ ...settings, goal: e.target.checked ? newGoal() : null })}
              />
              Count customers who do an event as converted
            </label>
            {goal && (
              <>
                <CriterionEditor
                  value={goal}
                  onChange={(criterion) => change({ ...settings, goal: { ...goal, ...criterion } })}
                  path="goal"
                  errors={errors}
                  disabled={disabled}
                  eventLabel="Goal event"
                />
                <Field label="Conversion window (days after entry)" path="goal.window_days" errors={errors}>
                  {(id) => (
                    <input
                      id={id}
                      type="number"
                      value={goal.window_days ?? ''}
                      aria-invalid={Boolean(errors['goal.window_days']) || undefined}
                      onChange={(e) => change({ ...settings, goal: { ...goal, window_days: numberOrNull(e.target.value) } })}
                    />
                  )}
                </Field>
                <label className="field__check">
                  <input
                    type="checkbox"
                    checked={goal.exit_on_conversion}
                    onChange={(e) => change({ ...settings, goal: { ...goal, exit_on_conversion: e.target.checked } })}
                  />
                  Exit on conversion (customers leave at once, even from a step waiting for this event)
                </label>
                <FieldError errors={errors} path="goal.exit_on_conversion" />
              </>
            )}
            {!goal && <FieldError errors={errors} path="goal" />}
          </fieldset>

          <fieldset className="settings-panel__section" disabled={disabled}>
            <legend>Exit criteria</legend>
            <p className="field__help">Customers leave the journey when they do any of these events.</p>
            {settings.exit_criteria.map((criterion, index) => (
              <div key={index} className="settings-criterion">
                <CriterionEditor
                  value={criterion}
                  onChange={(next) => change({ ...settings, exit_criteria: settings.exit_criteria.map((c, i) => (i === index ? next : c)) })}
                  path={`exit_criteria[${index}]`}
                  errors={errors}
                  disabled={disabled}
                  eventLabel={`Exit event ${index + 1}`}
                />
                {!disabled && (
                  <button
                    type="button"
                    className="link danger"
                    onClick={() => change({ ...settings, exit_criteria: settings.exit_criteria.filter((_, i) => i !== index) })}
                  >
                    Remove exit criterion
                  </button>
                )}
              </div>
            ))}
            {!disabled && (
              <button type="button" className="secondary" onClick={() => change({ ...settings, exit_criteria: [...settings.exit_criteria, { event: '', filters: [] }] })}>
                + Exit criterion
              </button>
            )}
            <FieldError errors={errors} path="exit_criteria" />
          </fieldset>

          <fieldset className="settings-panel__section" disabled={disabled}>
            <legend>Entry</legend>
            <Field label="Re-entry" path="re_entry.mode" errors={errors}>
              {(id) => (
                <select
                  id={id}
                  value={settings.re_entry.mode}
                  onChange={(e) => change({ ...settings, re_entry: { ...settings.re_entry, mode: e.target.value as ReEntryMode } })}
                >
                  {Object.entries(RE_ENTRY_LABELS).map(([mode, label]) => (
                    <option key={mode} value={mode}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {settings.re_entry.mode === 'any_time' && (
              <Field label="Minimum gap between entries" path="re_entry.min_gap_seconds" errors={errors} help="At most ten years.">
                {(id) => (
                  <GapInput
                    id={id}
                    seconds={settings.re_entry.min_gap_seconds}
                    disabled={disabled}
                    invalid={Boolean(errors['re_entry.min_gap_seconds'])}
                    onChange={(seconds) => change({ ...settings, re_entry: { ...settings.re_entry, min_gap_seconds: seconds } })}
                  />
                )}
              </Field>
            )}
            <Field label="Entry cap (customers in total; empty for no cap)" path="entry_cap" errors={errors}>
              {(id) => (
                <input
                  id={id}
                  type="number"
                  value={settings.entry_cap ?? ''}
                  aria-invalid={Boolean(errors.entry_cap) || undefined}
                  onChange={(e) => change({ ...settings, entry_cap: numberOrNull(e.target.value) })}
                />
              )}
            </Field>
          </fieldset>

          {!readOnly && (
            <div className="settings-panel__actions">
              <button type="submit" disabled={state === 'saving' || state === 'clean' || state === 'saved'}>
                {state === 'saving' ? 'Saving…' : 'Save settings'}
              </button>
              <span className="muted" data-testid="settings-state">
                {state === 'saved' ? 'Saved' : state === 'dirty' ? 'Unsaved changes' : ''}
              </span>
            </div>
          )}
        </form>
      )}
    </aside>
  );
}
