import { useState } from 'react';
import { AudienceEstimate } from '../components/AudienceEstimate';
import { ConditionBuilder } from '../components/ConditionBuilder';
import { isObject, readJson } from './readJson';

type Condition = Record<string, unknown>;

/** The condition a textarea holds, `null` when empty (everyone), or `undefined` when it is not a condition. */
export const readCondition = (text: string): Condition | null | undefined =>
  readJson<Condition | null>(text, null, isObject);

interface ConditionFieldProps {
  /** Names the radio group. */
  name: string;
  initial: Condition | null;
  /** The form field's new text: the condition as JSON, or empty for everyone. */
  onChange: (text: string) => void;
}

/**
 * "Everyone" or "customers who match" with the canvas's condition builder and audience estimate, in
 * place of a server-rendered form's condition textarea, which the caller keeps filled through
 * `onChange` so the form posts and is checked exactly as without this script.
 */
export function ConditionField({ name, initial, onChange }: ConditionFieldProps) {
  const [everyone, setEveryone] = useState(initial === null);
  const [condition, setCondition] = useState<Condition>(initial ?? { all: [] });

  const write = (nextEveryone: boolean, next: Condition) => {
    setEveryone(nextEveryone);
    setCondition(next);
    onChange(nextEveryone ? '' : JSON.stringify(next));
  };

  return (
    <div className="condition-field" data-testid="condition-field">
      <label className="condition-field__choice">
        <input type="radio" name={name} checked={everyone} onChange={() => write(true, condition)} />
        Everyone
      </label>
      <label className="condition-field__choice">
        <input type="radio" name={name} checked={!everyone} onChange={() => write(false, condition)} />
        Customers who match a condition
      </label>
      {!everyone && (
        <>
          <ConditionBuilder value={condition} onChange={(next) => write(false, next)} />
          <AudienceEstimate condition={condition} />
        </>
      )}
    </div>
  );
}
