import { useEffect, useId, useState } from 'react';
import { editorApi } from '../api/editorApi';
import { isChannel, type MessageTemplate, type TemplatePreview } from '../api/types';
import { useReadOnly } from '../hooks/useReadOnly';
import { TemplateEditor, TemplatePreviewPane } from './TemplateEditor';

interface TextPickerProps {
  value: string;
  onChange: (value: string) => void;
  disabled?: boolean;
  placeholder?: string;
  id?: string;
  invalid?: boolean;
}

// Endpoints this server turned out not to have (404): asked once per page, then plain inputs.
const missing = new Set<string>();

/**
 * A text input that suggests values from the server as you type (native <datalist>, so any
 * value can still be typed). Falls back to a plain input when the endpoint does not exist.
 */
function SuggestingInput({
  value,
  onChange,
  disabled,
  placeholder,
  id,
  invalid,
  source,
  load,
}: TextPickerProps & { source: string; load: (prefix: string) => Promise<Array<{ value: string; hint?: string }> | null> }) {
  const listId = useId();
  const [options, setOptions] = useState<Array<{ value: string; hint?: string }>>([]);

  useEffect(() => {
    if (disabled || missing.has(source)) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      load(value)
        .then((found) => {
          if (cancelled) return;
          if (found === null) missing.add(source);
          setOptions(found ?? []);
        })
        .catch(() => {
          // Suggestions are a convenience; typing still works without them.
        });
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [value, disabled, source, load]);

  return (
    <>
      <input
        id={id}
        type="text"
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        list={options.length ? listId : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {options.length > 0 && (
        <datalist id={listId}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.hint}
            </option>
          ))}
        </datalist>
      )}
    </>
  );
}

const loadEvents = async (prefix: string) =>
  (await editorApi().eventNames(prefix))?.results.map((name) => ({ value: name })) ?? null;
const loadAttributes = async (prefix: string) =>
  (await editorApi().attributes(prefix))?.results.map((a) => ({ value: a.name, hint: a.type })) ?? null;

/** Event names seen in the data. */
export function EventPicker(props: TextPickerProps) {
  return <SuggestingInput {...props} source="event-names" load={loadEvents} placeholder="e.g. Order Completed" />;
}

/** Customer attributes seen in the data, with their types. */
export function AttributePicker(props: TextPickerProps) {
  return <SuggestingInput {...props} source="attributes" load={loadAttributes} placeholder="e.g. plan" />;
}

/** A template id as the inputs hold it: numbers and strings as text, anything else empty. */
function idText(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : '';
}

interface TemplatePickerProps {
  channel: string;
  value: unknown;
  onChange: (value: unknown) => void;
  disabled?: boolean;
  id?: string;
  numeric: boolean;
}

/** A message template of one channel, with a preview; a plain id input where templates do not exist. */
export function TemplatePicker({ channel, value, onChange, disabled, id, numeric }: TemplatePickerProps) {
  const readOnly = useReadOnly();
  // The field names its channel as plain text; templates can only be written for one the API knows.
  const templateChannel = isChannel(channel) ? channel : null;
  const [templates, setTemplates] = useState<MessageTemplate[] | null | undefined>(undefined);
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  // `null`: a new template; a number: the one being edited; undefined: the editor is closed.
  const [editing, setEditing] = useState<number | null | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    editorApi()
      .templates(channel)
      .then((page) => !cancelled && setTemplates(page?.results ?? null))
      .catch(() => !cancelled && setTemplates(null));
    return () => {
      cancelled = true;
    };
  }, [channel]);

  // The id as the config holds it: a number or text as the field's type says, undefined for none.
  const choose = (text: string) => onChange(text === '' ? undefined : numeric ? Number(text) : text);

  if (templates === null) {
    return (
      <input
        id={id}
        type={numeric ? 'number' : 'text'}
        value={idText(value)}
        disabled={disabled}
        onChange={(e) => choose(e.target.value)}
      />
    );
  }
  const selected = idText(value);
  const showPreview = () => {
    setPreviewError(null);
    editorApi()
      .templatePreview(Number(selected))
      .then(setPreview)
      .catch((error: unknown) => setPreviewError(error instanceof Error ? error.message : 'Preview failed'));
  };
  const saved = (template: MessageTemplate) => {
    setTemplates((current) => {
      const others = (current ?? []).filter((t) => t.id !== template.id);
      return [...others, template].sort((a, b) => a.name.localeCompare(b.name));
    });
    setPreview(null);
    if (selected !== String(template.id)) choose(String(template.id));
  };
  return (
    <div className="template-picker">
      <select
        id={id}
        value={selected}
        disabled={disabled || templates === undefined}
        onChange={(e) => choose(e.target.value)}
      >
        <option value="">{templates === undefined ? 'Loading…' : 'Choose a template'}</option>
        {templates?.map((t) => (
          <option key={t.id} value={String(t.id)}>
            {t.name}
          </option>
        ))}
      </select>
      <div className="template-picker__actions">
        <button type="button" className="secondary" disabled={!selected} onClick={showPreview}>
          Preview
        </button>
        {!readOnly && (
          <>
            <button type="button" className="secondary" disabled={!selected} onClick={() => setEditing(Number(selected))}>
              Edit
            </button>
            <button type="button" className="secondary" disabled={!templateChannel} onClick={() => setEditing(null)}>
              New template
            </button>
          </>
        )}
        {readOnly && selected && (
          // A link, not a button: the read-only inspector disables every button in its form.
          <a
            href="#template"
            role="button"
            onClick={(e) => {
              e.preventDefault();
              setEditing(Number(selected));
            }}
          >
            View template
          </a>
        )}
      </div>
      {previewError && <p className="field__error">{previewError}</p>}
      {preview && <TemplatePreviewPane preview={preview} onClose={() => setPreview(null)} />}
      {editing !== undefined && templateChannel && (
        <TemplateEditor
          channel={templateChannel}
          templateId={editing}
          readOnly={readOnly}
          onSaved={saved}
          onClose={() => setEditing(undefined)}
        />
      )}
    </div>
  );
}
