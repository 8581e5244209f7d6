import { useRef, useState } from 'react';
import { useClampToViewport } from '../hooks/useClampToViewport';

const SHORTCUTS: Array<[string, string]> = [
  ['Drag from the palette', 'Add a step (or click it to add in the middle)'],
  ['Drag from a port to a step', 'Connect'],
  ['Delete / Backspace', 'Delete the selected steps and connections'],
  ['Shift + drag', 'Select several steps with a box'],
  ['Ctrl/⌘ + click', 'Add to the selection'],
  ['Ctrl/⌘ + C, Ctrl/⌘ + V', 'Copy and paste the selected steps'],
  ['Ctrl/⌘ + Z', 'Undo'],
  ['Ctrl/⌘ + Shift + Z, Ctrl/⌘ + Y', 'Redo'],
  ['Ctrl/⌘ + S', 'Save now'],
  ['Shift + L', 'Arrange automatically'],
  ['Shift + F', 'Fit the journey in view'],
  ['Escape', 'Clear the selection'],
  ['?', 'This list'],
];

export function HelpPopover({ open, onToggle }: { open: boolean; onToggle: (open: boolean) => void }) {
  const [id] = useState(() => `help-${Math.random().toString(36).slice(2)}`);
  const popover = useRef<HTMLDivElement>(null);
  useClampToViewport(popover, open);
  return (
    <div className="help">
      <button type="button" className="secondary" aria-expanded={open} aria-controls={id} onClick={() => onToggle(!open)} title="Keyboard shortcuts (?)">
        ?
      </button>
      {open && (
        <div className="help__popover" id={id} role="dialog" aria-label="Keyboard shortcuts" ref={popover}>
          <h2>Keyboard shortcuts</h2>
          <dl>
            {SHORTCUTS.map(([keys, what]) => (
              <div key={keys}>
                <dt>{keys}</dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
    </div>
  );
}
