import { useShallow } from 'zustand/react/shallow';
import { isShown, withField } from '../lib/catalog';
import type { JourneyNode } from '../lib/journey';
import { useReadOnly } from '../hooks/useReadOnly';
import { useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';
import { CustomersAtNode } from './CustomersAtNode';
import { FieldEditor } from './FieldEditor';

/** The side panel for the one selected node: its label and a form generated from its kind's config fields. */
export function Inspector({ node }: { node: JourneyNode }) {
  const kind = useGraphStore((s) => s.catalog[node.data.kind]);
  const readOnly = useReadOnly();
  const { validation, waiting, viewingVersion } = useSessionStore(
    useShallow((s) => ({
      validation: s.validation,
      waiting: s.counters[node.id]?.waiting ?? 0,
      viewingVersion: s.viewingVersion,
    })),
  );
  const issues = validation
    ? [...validation.errors, ...validation.warnings].filter((i) => i.node_id === node.id)
    : [];
  const update = useGraphStore((s) => s.updateNodeData);
  const fieldNames = new Set(kind?.config.map((f) => f.name));
  const fieldErrors = new Map<string, string>();
  for (const issue of issues) {
    if (issue.code === 'invalid_config' && issue.field && fieldNames.has(issue.field) && !fieldErrors.has(issue.field)) {
      fieldErrors.set(issue.field, issue.message);
    }
  }
  const otherIssues = issues.filter((i) => !(i.code === 'invalid_config' && i.field && fieldErrors.get(i.field) === i.message));
  const setField = (name: string, value: unknown) => update(node.id, { config: withField(node.data.config, name, value) });

  return (
    <aside className="inspector" aria-label="Inspector" data-node-id={node.id}>
      <header className="inspector__head">
        <span className={`inspector__kind category--${kind?.category ?? 'unknown'}`}>{kind?.label ?? node.data.kind}</span>
        <code className="inspector__id" title="Node id: customers map across versions by it">
          {node.id}
        </code>
      </header>
      {kind?.description && <p className="inspector__description">{kind.description}</p>}
      {waiting > 0 && viewingVersion === null && (
        <p className="notice" data-testid="waiting-notice">
          {waiting} {waiting === 1 ? 'customer is' : 'customers are'} waiting here. Changes reach them only when you
          publish (and choose to move them).
        </p>
      )}
      {!kind && <p className="field__error">This kind is not known to this server; it cannot be published.</p>}
      <fieldset className="inspector__form" disabled={readOnly}>
        <div className="field" data-field="label">
          <label className="field__label" htmlFor={`label-${node.id}`}>
            Name
          </label>
          <input
            id={`label-${node.id}`}
            type="text"
            maxLength={200}
            value={node.data.label}
            placeholder={kind?.label}
            onChange={(e) => update(node.id, { label: e.target.value })}
          />
        </div>
        {kind?.config
          // A field for another mode stays out of the way, unless the server found fault with it.
          .filter((field) => isShown(field, kind.config, node.data.config) || fieldErrors.has(field.name))
          .map((field) => (
            <FieldEditor
              key={field.name}
              field={field}
              value={node.data.config[field.name]}
              error={fieldErrors.get(field.name)}
              disabled={readOnly}
              onChange={(value) => setField(field.name, value)}
            />
          ))}
      </fieldset>
      {otherIssues.length > 0 && (
        <ul className="inspector__issues">
          {otherIssues.map((issue, i) => (
            <li key={i} className={issue.code === 'unreachable_node' ? 'is-warning' : 'is-error'}>
              {issue.field ? `${issue.field}: ` : ''}
              {issue.message}
            </li>
          ))}
        </ul>
      )}
      {!readOnly && (
        <div className="inspector__actions">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              const store = useGraphStore.getState();
              store.copySelection();
              store.paste();
            }}
          >
            Duplicate step
          </button>
          <button type="button" className="danger" onClick={() => useGraphStore.getState().deleteSelection()}>
            Delete step
          </button>
        </div>
      )}
      {/* Opened at once when someone is here: that is usually why the step was clicked. */}
      <CustomersAtNode nodeId={node.id} initiallyOpen={waiting > 0} />
    </aside>
  );
}
