import './condition.css';
import { AttributePicker, EventPicker } from './pickers';
import { PredictionCondition } from './PredictionCondition';

// The condition language of journeys/conditions.py: groups (all / any / not) around leaves on
// attributes, event history and consent.
export const OPERATORS = ['eq', 'neq', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists'] as const;
export const OPERATOR_LABELS: Record<string, string> = {
  eq: 'is',
  neq: 'is not',
  contains: 'contains',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  exists: 'is set',
  not_exists: 'is not set',
};
const CHANNELS = ['email', 'sms', 'push', 'in_app'];

type Condition = Record<string, unknown>;

/** What a group's add buttons put at its end: a new leaf of each type, or a nested group. */
const ADDABLE: [string, () => Condition][] = [
  ['+ Attribute', () => ({ type: 'attribute', attribute: '', op: 'eq', value: '' })],
  ['+ Event', () => ({ type: 'event', event: '', min_count: 1 })],
  ['+ Consent', () => ({ type: 'consent', channel: 'email' })],
  ['+ Prediction', () => ({ type: 'prediction', op: 'gte', value: 0.7 })],
  ['+ Group', () => ({ any: [] })],
];

interface ConditionProps {
  value: Condition;
  onChange: (value: Condition) => void;
  disabled?: boolean;
}

/** Reads a typed value: numbers, booleans, null and JSON stay typed; anything else is text. */
export function parseLooseValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text;
  }
}

export function showValue(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function ConditionBuilder({ value, onChange, disabled }: ConditionProps) {
  const root = 'all' in value || 'any' in value || 'not' in value || 'type' in value ? value : { all: [] };
  return (
    <div className="condition">
      <ConditionNode value={root} onChange={onChange} disabled={disabled} />
    </div>
  );
}

function ConditionNode({ value, onChange, disabled, onRemove }: ConditionProps & { onRemove?: () => void }) {
  if ('not' in value) {
    return (
      <div className="condition__not">
        <span className="condition__tag">NOT</span>
        <ConditionNode
          value={(value.not as Condition) ?? { all: [] }}
          onChange={(inner) => onChange({ not: inner })}
          disabled={disabled}
        />
        {!disabled && (
          <button type="button" className="link" onClick={() => onChange((value.not as Condition) ?? { all: [] })}>
            Remove NOT
          </button>
        )}
      </div>
    );
  }
  if ('all' in value || 'any' in value) {
    const mode = 'any' in value ? 'any' : 'all';
    const children = (Array.isArray(value[mode]) ? value[mode] : []) as Condition[];
    const set = (next: Condition[]) => onChange({ [mode]: next });
    return (
      <div className="condition__group">
        <div className="condition__row">
          <select
            aria-label="Match"
            value={mode}
            disabled={disabled}
            onChange={(e) => onChange({ [e.target.value]: children })}
          >
            <option value="all">All of these</option>
            <option value="any">Any of these</option>
          </select>
          {!disabled && onRemove && (
            <button type="button" className="link danger" onClick={onRemove}>
              Remove group
            </button>
          )}
        </div>
        {children.map((child, index) => (
          <div className="condition__child" key={index}>
            <ConditionNode
              value={child}
              disabled={disabled}
              onChange={(next) => set(children.map((c, i) => (i === index ? next : c)))}
              onRemove={() => set(children.filter((_, i) => i !== index))}
            />
          </div>
        ))}
        {!disabled && (
          <div className="condition__add">
            {ADDABLE.map(([label, fresh]) => (
              <button key={label} type="button" className="secondary" onClick={() => set([...children, fresh()])}>
                {label}
              </button>
            ))}
          </div>
        )}
      </div>
    );
  }
  return <Leaf value={value} onChange={onChange} disabled={disabled} onRemove={onRemove} />;
}

function Leaf({ value, onChange, disabled, onRemove }: ConditionProps & { onRemove?: () => void }) {
  const patch = (changes: Condition) => {
    const next = { ...value, ...changes };
    for (const [key, v] of Object.entries(next)) if (v === undefined) delete next[key];
    onChange(next);
  };
  const number = (text: string) => (text === '' ? undefined : Number(text));
  const actions = !disabled && (
    <span className="condition__actions">
      <button type="button" className="link" onClick={() => onChange({ not: value })}>
        Negate
      </button>
      {onRemove && (
        <button type="button" className="link danger" onClick={onRemove}>
          Remove
        </button>
      )}
    </span>
  );

  if (value.type === 'event') {
    return (
      <div className="condition__leaf">
        <span className="condition__tag">Did</span>
        <EventPicker value={showValue(value.event)} onChange={(event) => patch({ event })} disabled={disabled} />
        <label>
          at least
          <input type="number" min={0} value={showValue(value.min_count)} disabled={disabled} onChange={(e) => patch({ min_count: number(e.target.value) })} />
        </label>
        <label>
          at most
          <input type="number" min={0} value={showValue(value.max_count)} disabled={disabled} onChange={(e) => patch({ max_count: number(e.target.value) })} />
        </label>
        <label>
          in the last (days)
          <input type="number" min={1} value={showValue(value.within_days)} disabled={disabled} onChange={(e) => patch({ within_days: number(e.target.value) })} />
        </label>
        {actions}
      </div>
    );
  }
  if (value.type === 'prediction') {
    return <PredictionCondition value={value} onChange={onChange} disabled={disabled} actions={actions} />;
  }
  if (value.type === 'consent') {
    return (
      <div className="condition__leaf">
        <span className="condition__tag">Consents to</span>
        <select value={showValue(value.channel)} disabled={disabled} onChange={(e) => patch({ channel: e.target.value })}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        {actions}
      </div>
    );
  }
  const op = typeof value.op === 'string' ? value.op : 'eq';
  return (
    <div className="condition__leaf">
      <span className="condition__tag">Attribute</span>
      <AttributePicker value={showValue(value.attribute)} onChange={(attribute) => patch({ attribute })} disabled={disabled} />
      <OperatorAndValue op={op} value={value.value} disabled={disabled} onChange={(nextOp, nextValue) => patch({ op: nextOp, value: nextValue })} />
      {actions}
    </div>
  );
}

const takesValue = (op: string) => op !== 'exists' && op !== 'not_exists';

interface OperatorAndValueProps {
  op: string;
  value: unknown;
  /** The new operator and value: no value ("is set", "is not set"), else the typed one ('' to start). */
  onChange: (op: string, value: unknown) => void;
  disabled?: boolean;
  invalidValue?: boolean;
}

/** An operator and, unless it needs none, a typed value: attribute leaves and property filters alike. */
export function OperatorAndValue({ op, value, onChange, disabled, invalidValue }: OperatorAndValueProps) {
  return (
    <>
      <select
        aria-label="Operator"
        value={op}
        disabled={disabled}
        onChange={(e) => {
          const next = e.target.value;
          onChange(next, takesValue(next) ? (value ?? '') : undefined);
        }}
      >
        {OPERATORS.map((o) => (
          <option key={o} value={o}>
            {OPERATOR_LABELS[o]}
          </option>
        ))}
      </select>
      {takesValue(op) && (
        <input
          type="text"
          aria-label="Value"
          placeholder="value (42, true, text)"
          value={showValue(value)}
          disabled={disabled}
          aria-invalid={invalidValue || undefined}
          onChange={(e) => onChange(op, parseLooseValue(e.target.value))}
        />
      )}
    </>
  );
}
