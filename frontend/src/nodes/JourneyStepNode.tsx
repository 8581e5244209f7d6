import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ValidationIssue } from '../api/types';
import { isTriggerCategory, portsOf } from '../lib/catalog';
import type { JourneyNode } from '../lib/journey';
import { formatMetric, NODE_METRICS, passedKey } from '../lib/metrics';
import { useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';
import { AnomalyMark } from './AnomalyMark';
import { ExperimentBadge } from './ExperimentBadge';
import { MessageOutcomes } from './MessageOutcomes';

const METRIC_TITLES: Record<string, string> = {
  entered: 'Entered',
  waiting: 'Waiting now',
  exited: 'Exited',
  converted: 'Converted',
  errored: 'Errored',
};

function messagesFor(nodeId: string, issues: readonly ValidationIssue[] | undefined): string[] {
  return issues?.filter((issue) => issue.node_id === nodeId).map((issue) => issue.message) ?? [];
}

/**
 * The one card every journey step is drawn with. What it shows comes from the catalog (kind
 * label, category, ports) and the live counters; no kind is known here by name.
 */
export const JourneyStepNode = memo(function JourneyStepNode({ id, data, selected }: NodeProps<JourneyNode>) {
  const kind = useGraphStore((s) => s.catalog[data.kind]);
  const counters = useSessionStore((s) => s.counters[id]);
  const mode = useSessionStore((s) => s.metricMode);
  const errors = useSessionStore(useShallow((s) => messagesFor(id, s.validation?.errors)));
  const warnings = useSessionStore(useShallow((s) => messagesFor(id, s.validation?.warnings)));
  const issues = [...errors, ...warnings];
  const ports = portsOf(kind, data.config);
  const category = kind?.category ?? 'unknown';
  const classes = [
    'journey-node',
    `journey-node--${category.replace(/[^a-z0-9_-]/gi, '')}`,
    selected ? 'journey-node--selected' : '',
    errors.length ? 'journey-node--invalid' : issues.length ? 'journey-node--warned' : '',
  ];

  return (
    <div className={classes.filter(Boolean).join(' ')} title={issues.join('\n')}>
      {!isTriggerCategory(kind) && <Handle type="target" position={Position.Top} className="journey-node__in" />}
      <div className="journey-node__head">
        <span className="journey-node__kind">{kind?.label ?? `Unknown kind ${data.kind}`}</span>
        <AnomalyMark nodeId={id} />
        {issues.length > 0 && (
          <span className={`journey-node__issues${errors.length ? ' is-error' : ''}`} data-testid="node-issues">
            {errors.length || issues.length}
          </span>
        )}
      </div>
      <div className="journey-node__label" data-testid="node-label">
        {data.label || kind?.label || data.kind}
      </div>
      <ExperimentBadge nodeId={id} kind={data.kind} />
      <div className="journey-node__counts">
        {NODE_METRICS.map((metric) => (
          <span key={metric} className={`metric metric--${metric}`} title={METRIC_TITLES[metric]}>
            <span className="metric__name">{METRIC_TITLES[metric]}</span>
            <span className="metric__value" data-testid={`count-${metric}`}>
              {formatMetric(metric, counters, mode)}
            </span>
          </span>
        ))}
      </div>
      <MessageOutcomes nodeId={id} kind={data.kind} />
      {ports.length > 0 && (
        <div className="journey-node__ports">
          {ports.map((port) => (
            <div key={port} className="journey-node__port" data-port={port}>
              <span className="journey-node__port-name">{port}</span>
              <span className="journey-node__port-count" data-testid={`count-passed-${port}`}>
                {formatMetric(passedKey(port), counters, mode)}
              </span>
              <Handle type="source" id={port} position={Position.Bottom} className="journey-node__out" />
            </div>
          ))}
        </div>
      )}
    </div>
  );
});
