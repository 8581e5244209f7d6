import { useState } from 'react';
import { EventPicker } from '../components/pickers';

/** The canvas's event-name input, suggesting names seen in the data, for a server-rendered form's field. */
export function EventNameField({ id, initial, onChange }: { id: string; initial: string; onChange: (text: string) => void }) {
  const [value, setValue] = useState(initial);
  return (
    <EventPicker
      id={id}
      value={value}
      onChange={(next) => {
        setValue(next);
        onChange(next);
      }}
    />
  );
}
