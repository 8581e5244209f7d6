import { useEffect, useId, useState } from 'react';
import { createPortal } from 'react-dom';
import { ApiError } from '../api/client';
import { editorApi } from '../api/editorApi';
import type { Channel, MessageTemplate, TemplateFields, TemplatePreview } from '../api/types';

type PartName = 'subject' | 'html' | 'text' | 'body' | 'webhook_body';

interface PartSpec {
  name: PartName;
  label: string;
  multiline: boolean;
  maxLength?: number;
}

// The parts each channel sends (docs/delivery.md); limits as the API's serializer sets them.
const CHANNEL_PARTS: Record<Channel, PartSpec[]> = {
  email: [
    { name: 'subject', label: 'Subject', multiline: false, maxLength: 300 },
    { name: 'html', label: 'HTML', multiline: true, maxLength: 200_000 },
    { name: 'text', label: 'Text', multiline: true, maxLength: 100_000 },
  ],
  sms: [{ name: 'body', label: 'Body', multiline: true, maxLength: 5_000 }],
  in_app: [
    { name: 'subject', label: 'Title', multiline: false, maxLength: 300 },
    { name: 'body', label: 'Body', multiline: true, maxLength: 5_000 },
  ],
  webhook: [{ name: 'webhook_body', label: 'Webhook body (JSON)', multiline: true }],
};

const SEND_TEST_TARGET: Record<Channel, string> = {
  email: 'Email address',
  sms: 'Phone number',
  in_app: 'Customer id',
  webhook: 'URL',
};

type Draft = Record<'name' | PartName, string>;

function draftOf(template: MessageTemplate | null): Draft {
  return {
    name: template?.name ?? '',
    subject: template?.subject ?? '',
    html: template?.html ?? '',
    text: template?.text ?? '',
    body: template?.body ?? '',
    webhook_body: JSON.stringify(template?.webhook_body ?? {}, null, 2),
  };
}

/** DRF's 400 body as one message per field (`detail` and `non_field_errors` under `''`). */
function errorsByField(body: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) return errors;
  for (const [key, value] of Object.entries(body)) {
    const message = Array.isArray(value) ? value.map(String).join(' ') : typeof value === 'string' ? value : '';
    if (!message) continue;
    const field = key === 'detail' || key === 'non_field_errors' ? '' : key;
    errors[field] = errors[field] ? `${errors[field]} ${message}` : message;
  }
  return errors;
}

/** The server's own words for a failed call, else the client's message. */
function failureText(error: unknown, fallback: string): string {
  if (error instanceof ApiError) {
    const errors = errorsByField(error.body);
    const text = Object.entries(errors)
      .map(([field, message]) => (field ? `${field}: ${message}` : message))
      .join(' ');
    return text || error.message;
  }
  return error instanceof Error ? error.message : fallback;
}

/** A rendered template: the HTML in a frame with no permissions, everything else as text. */
export function TemplatePreviewPane({ preview, onClose }: { preview: TemplatePreview; onClose: () => void }) {
  const heading = preview.subject || preview.title;
  const plain =
    preview.text || preview.body || (preview.json !== undefined && preview.json !== null ? JSON.stringify(preview.json, null, 2) : '');
  return (
    <div className="template-preview" data-testid="template-preview">
      {preview.warnings.length > 0 && (
        <ul className="field__warning" data-testid="template-warnings">
          {preview.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      {heading && <p className="template-preview__subject">{heading}</p>}
      {preview.html ? (
        // sandbox="" gives the preview no scripts, no forms and no access to this page.
        <iframe title="Template preview" sandbox="" srcDoc={preview.html} />
      ) : (
        <pre>{plain}</pre>
      )}
      <button type="button" className="link" onClick={onClose}>
        Close preview
      </button>
    </div>
  );
}

interface TemplateEditorProps {
  channel: Channel;
  /** The template to edit; `null` starts a new one for the channel, created on the first save. */
  templateId: number | null;
  readOnly: boolean;
  onSaved: (template: MessageTemplate) => void;
  onClose: () => void;
}

/**
 * A dialog to write a channel's template: its parts, saved through the templates API, with a
 * preview and a test send. Drawn outside the inspector's form (a portal) so that a Reviewer's
 * disabled form still lets them read and preview.
 */
export function TemplateEditor({ channel, templateId, readOnly, onSaved, onClose }: TemplateEditorProps) {
  const [id, setId] = useState(templateId);
  const [draft, setDraft] = useState<Draft | null>(templateId === null ? draftOf(null) : null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [savedNote, setSavedNote] = useState(false);
  const [sentBy, setSentBy] = useState<MessageTemplate['sent_by']>([]);

  useEffect(() => {
    if (templateId === null) return;
    let cancelled = false;
    editorApi()
      .template(templateId)
      .then((template) => {
        if (cancelled) return;
        setDraft(draftOf(template));
        setSentBy(template.sent_by);
      })
      .catch((error: unknown) => !cancelled && setLoadError(failureText(error, 'The template could not be loaded')));
    return () => {
      cancelled = true;
    };
  }, [templateId]);

  const parts = CHANNEL_PARTS[channel];
  const edit = (name: keyof Draft, value: string) => {
    setDraft((current) => (current ? { ...current, [name]: value } : current));
    setDirty(true);
    setSavedNote(false);
  };

  const save = async () => {
    if (!draft) return;
    const fields: TemplateFields = { name: draft.name };
    for (const part of parts) {
      if (part.name !== 'webhook_body') {
        fields[part.name] = draft[part.name];
        continue;
      }
      try {
        fields.webhook_body = JSON.parse(draft.webhook_body) as unknown;
      } catch {
        // Checked here because the server would only see a string and say so less helpfully.
        setErrors({ webhook_body: 'not valid JSON' });
        return;
      }
    }
    setSaving(true);
    setErrors({});
    try {
      const api = editorApi();
      const saved = id === null ? await api.createTemplate({ ...fields, channel }) : await api.updateTemplate(id, fields);
      setId(saved.id);
      setDirty(false);
      setSavedNote(true);
      onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        const found = errorsByField(error.body);
        setErrors(Object.keys(found).length ? found : { '': error.message });
      } else {
        setErrors({ '': failureText(error, 'Saving failed') });
      }
    } finally {
      setSaving(false);
    }
  };

  return createPortal(
    <div
      className="dialog-backdrop"
      role="presentation"
      onKeyDown={(e) => {
        // Escape stops here, so the canvas behind never treats it as one of its shortcuts.
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="dialog template-editor" role="dialog" aria-label="Template" aria-modal="true">
        <h2>{id === null ? `New ${channel} template` : readOnly ? 'Template' : 'Edit template'}</h2>
        {loadError && <p className="field__error">{loadError}</p>}
        {draft && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!readOnly) void save();
            }}
          >
            <fieldset className="template-editor__fields" disabled={readOnly || saving}>
              <TemplateField name="name" label="Name" value={draft.name} maxLength={200} error={errors.name} onChange={edit} />
              {parts.map((part) => (
                <TemplateField
                  key={part.name}
                  name={part.name}
                  label={part.label}
                  multiline={part.multiline}
                  maxLength={part.maxLength}
                  value={draft[part.name]}
                  error={errors[part.name]}
                  onChange={edit}
                />
              ))}
            </fieldset>
            {errors[''] && (
              <p className="field__error" role="alert" data-testid="template-error">
                {errors['']}
              </p>
            )}
            {sentBy.length > 0 && (
              <p className="notice" data-testid="template-sent-by">
                {readOnly ? 'Sent by' : 'Also sent by'} {sentBy.map((j) => `${j.name} (${j.status})`).join(', ')}
                {readOnly ? '.' : ': saving changes what their next messages say.'}
              </p>
            )}
            {savedNote && <p className="notice notice--ok">Saved.</p>}
            <div className="dialog__actions">
              {!readOnly && (
                <button type="submit" disabled={saving || (!dirty && id !== null)}>
                  {saving ? 'Saving…' : id === null ? 'Create template' : 'Save template'}
                </button>
              )}
              <button type="button" className="secondary" onClick={onClose}>
                Close
              </button>
            </div>
          </form>
        )}
        {id !== null && (
          <TemplateTryOut templateId={id} channel={channel} readOnly={readOnly} unsaved={dirty} />
        )}
      </div>
    </div>,
    document.body,
  );
}

interface TemplateFieldProps {
  name: keyof Draft;
  label: string;
  value: string;
  multiline?: boolean;
  maxLength?: number;
  error?: string;
  onChange: (name: keyof Draft, value: string) => void;
}

function TemplateField({ name, label, value, multiline, maxLength, error, onChange }: TemplateFieldProps) {
  const id = useId();
  const common = { id, value, maxLength, 'aria-invalid': Boolean(error) || undefined };
  return (
    <div className={`field${error ? ' field--invalid' : ''}`} data-template-field={name}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {multiline ? (
        <textarea {...common} rows={name === 'html' || name === 'webhook_body' ? 8 : 4} onChange={(e) => onChange(name, e.target.value)} />
      ) : (
        <input {...common} type="text" onChange={(e) => onChange(name, e.target.value)} />
      )}
      {error && (
        <p className="field__error" role="alert" data-template-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}

interface TemplateTryOutProps {
  templateId: number;
  channel: Channel;
  readOnly: boolean;
  unsaved: boolean;
}

/** Preview with a customer (or the sample one) and, for writers, a test send to an address. */
function TemplateTryOut({ templateId, channel, readOnly, unsaved }: TemplateTryOutProps) {
  const customerInput = useId();
  const toInput = useId();
  const [customerId, setCustomerId] = useState('');
  const [to, setTo] = useState('');
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [sendResult, setSendResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [sending, setSending] = useState(false);

  const showPreview = () => {
    setPreviewError(null);
    editorApi()
      .templatePreview(templateId, customerId.trim() || null)
      .then(setPreview)
      .catch((error: unknown) => setPreviewError(failureText(error, 'Preview failed')));
  };
  const sendTest = () => {
    setSending(true);
    setSendResult(null);
    editorApi()
      .sendTestTemplate(templateId, to.trim(), customerId.trim() || null)
      .then((answer) => setSendResult({ ok: true, text: `Test sent to ${answer.to}.` }))
      .catch((error: unknown) => setSendResult({ ok: false, text: failureText(error, 'Sending failed') }))
      .finally(() => setSending(false));
  };

  return (
    <section className="template-tryout" aria-label="Try the template">
      {unsaved && <p className="field__help">Preview and test use the saved template; save first to see your changes.</p>}
      <div className="field">
        <label htmlFor={customerInput} className="field__label">
          Customer id (empty for a sample customer)
        </label>
        <input id={customerInput} type="text" maxLength={255} value={customerId} onChange={(e) => setCustomerId(e.target.value)} />
      </div>
      <button type="button" className="secondary" onClick={showPreview}>
        Preview
      </button>
      {previewError && (
        <p className="field__error" role="alert" data-testid="preview-error">
          {previewError}
        </p>
      )}
      {preview && <TemplatePreviewPane preview={preview} onClose={() => setPreview(null)} />}
      {!readOnly && (
        <div className="field">
          <label htmlFor={toInput} className="field__label">
            Send a test to ({SEND_TEST_TARGET[channel]})
          </label>
          <input id={toInput} type="text" maxLength={2000} value={to} onChange={(e) => setTo(e.target.value)} />
          <button type="button" className="secondary" disabled={sending || !to.trim()} onClick={sendTest}>
            {sending ? 'Sending…' : 'Send test'}
          </button>
          {sendResult && (
            <p className={sendResult.ok ? 'notice' : 'field__error'} role="status" data-testid="send-test-result">
              {sendResult.text}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
