// Server-rendered forms (the prediction form's population) mark a condition textarea with
// data-condition-field; this entry puts the canvas's condition builder in its place.
import { createRoot } from 'react-dom/client';
import { ConditionField, readCondition } from './ConditionField';

for (const textarea of document.querySelectorAll<HTMLTextAreaElement>('textarea[data-condition-field]')) {
  const initial = readCondition(textarea.value);
  // Text that is not a condition (posted back with its error) stays as typed, for the person to fix.
  if (initial === undefined) continue;
  const host = document.createElement('div');
  textarea.after(host);
  textarea.hidden = true;
  const help = textarea.parentElement?.querySelector<HTMLElement>('[data-json-help]');
  if (help) help.hidden = true;
  const write = (text: string) => {
    textarea.value = text;
  };
  createRoot(host).render(<ConditionField name={`${textarea.name}-who`} initial={initial} onChange={write} />);
}
