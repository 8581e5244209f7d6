// Server-rendered forms (the prediction form) mark fields the canvas has better inputs for: a
// condition textarea (data-condition-field) gets the condition builder, a property filter list
// (data-filters-field) rows of property, operator and value, an event name input
// (data-event-field) suggestions from the data. Each original field stays in the form, hidden and
// kept filled, so the form posts and is checked exactly as without this script.
import './formFields.css';
import { createRoot } from 'react-dom/client';
import { ConditionField, readCondition } from './ConditionField';
import { EventNameField } from './EventNameField';
import { PropertyFiltersField, readFilters } from './PropertyFiltersField';

/**
 * Hides a JSON textarea (and its JSON help) behind the widget drawn in its place; the field's label
 * names the widget's group of inputs instead of pointing at the hidden textarea.
 */
function replace(textarea: HTMLTextAreaElement): HTMLElement {
  const host = document.createElement('div');
  textarea.after(host);
  textarea.hidden = true;
  const help = textarea.parentElement?.querySelector<HTMLElement>('.note');
  if (help) help.hidden = true;
  const label = textarea.id ? document.querySelector<HTMLLabelElement>(`label[for="${CSS.escape(textarea.id)}"]`) : null;
  if (label) {
    label.id ||= `${textarea.id}-label`;
    label.removeAttribute('for');
    host.setAttribute('role', 'group');
    host.setAttribute('aria-labelledby', label.id);
  }
  return host;
}

/** Keeps the original field filled with what the widget says, so the form posts it. */
const filling = (field: HTMLInputElement | HTMLTextAreaElement) => (text: string) => {
  field.value = text;
};

for (const textarea of document.querySelectorAll<HTMLTextAreaElement>('textarea[data-condition-field]')) {
  const initial = readCondition(textarea.value);
  // Text that is not a condition (posted back with its error) stays as typed, for the person to fix.
  if (initial === undefined) continue;
  createRoot(replace(textarea)).render(<ConditionField name={`${textarea.name}-who`} initial={initial} onChange={filling(textarea)} />);
}

for (const textarea of document.querySelectorAll<HTMLTextAreaElement>('textarea[data-filters-field]')) {
  const initial = readFilters(textarea.value);
  if (initial === undefined) continue;
  createRoot(replace(textarea)).render(<PropertyFiltersField initial={initial} onChange={filling(textarea)} />);
}

for (const input of document.querySelectorAll<HTMLInputElement>('input[data-event-field]')) {
  const host = document.createElement('span');
  input.after(host);
  input.hidden = true;
  // The label points at the visible input from now on.
  const id = input.id;
  input.removeAttribute('id');
  createRoot(host).render(<EventNameField id={id} initial={input.value} onChange={filling(input)} />);
}
