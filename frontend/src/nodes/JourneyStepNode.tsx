import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ValidationIssue } from '../api/types';
import { isTriggerCategory, nodeTooltip, portsOf } from '../lib/catalog';
import type { JourneyNode } from '../lib/journey';
import { formatMetric, passedKey, portShares } from '../lib/metrics';
import { useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';
import { titleKey, useTitleStore } from '../store/titleStore';
import { AnomalyMark } from './AnomalyMark';
import { ExperimentBadge } from './ExperimentBadge';
import { MessageOutcomes } from './MessageOutcomes';

// The two numbers a marketer watches on every step, drawn large.
const MAIN_METRICS = [
  ['entered', 'in', 'Entered'],
  ['waiting', 'now', 'Waiting here now'],
] as const;
// Shown only once they happen, so most cards carry two numbers, not five.
const EVENT_METRICS = [
  ['exited', 'exited', 'Exited here'],
  ['converted', 'converted', 'Converted'],
  ['errored', 'errors', 'Errored'],
] as const;

function messagesFor(nodeId: string, issues: readonly ValidationIssue[] | undefined): string[] {
  return issues?.filter((issue) => issue.node_id === nodeId).map((issue) => issue.message) ?? [];
}

/**
 * The one card every journey step is drawn with. What it shows comes from the catalog (kind
 * label, category, ports), the server's title for its config and the live counters; no kind is
 * known here by name. Extra rows (badges, outcome counts) go in the marked place, one line each.
 */
export const JourneyStepNode = memo(function JourneyStepNode({ id, data, selected }: NodeProps<JourneyNode>) {
  const kind = useGraphStore((s) => s.catalog[data.kind]);
  const described = useTitleStore((s) => s.titles[titleKey(data)]);
  const errors = useSessionStore(useShallow((s) => messagesFor(id, s.validation?.errors)));
  const warnings = useSessionStore(useShallow((s) => messagesFor(id, s.validation?.warnings)));
  const issues = [...errors, ...warnings];
  const ports = portsOf(kind, data.config);
  const category = kind?.category ?? 'unknown';
  const kindLabel = kind?.label ?? `Unknown kind ${data.kind}`;
  const name = data.label || kind?.label || data.kind;
  const title = described ?? name;
  const classes = [
    'journey-node',
    `journey-node--${category.replace(/[^a-z0-9_-]/gi, '')}`,
    ports.length > 1 ? 'journey-node--branches' : '',
    selected ? 'journey-node--selected' : '',
    errors.length ? 'journey-node--invalid' : issues.length ? 'journey-node--warned' : '',
  ];

  return (
    <div className={classes.filter(Boolean).join(' ')} title={[nodeTooltip(kindLabel, title), ...issues].join('\n')}>
      {!isTriggerCategory(kind) && <Handle type="target" position={Position.Top} className="journey-node__in" />}
      <div className="journey-node__head">
        <span className="journey-node__label" data-testid="node-label">
          {name}
        </span>
        <AnomalyMark nodeId={id} />
        {issues.length > 0 && (
          <span className={`journey-node__issues${errors.length ? ' is-error' : ''}`} data-testid="node-issues">
            {errors.length || issues.length}
          </span>
        )}
      </div>
      <div className="journey-node__title" data-testid="node-title">
        {title}
      </div>
      <NodeCounts nodeId={id} waits={kind?.waits ?? false} />
      {/* Add-ons drawn below the counts (badges, outcome counts) go here. */}
      <ExperimentBadge nodeId={id} kind={data.kind} />
      <MessageOutcomes nodeId={id} kind={data.kind} />
      {ports.length > 1 ? (
        <NodePorts nodeId={id} ports={ports} />
      ) : (
        ports[0] && <Handle type="source" id={ports[0]} position={Position.Bottom} className="journey-node__out" />
      )}
    </div>
  );
});

function useCounters(nodeId: string) {
  const counters = useSessionStore((s) => s.counters[nodeId]);
  const mode = useSessionStore((s) => s.metricMode);
  return [counters, mode] as const;
}

/**
 * Who entered, and who is here now at a kind that holds customers, large; exits, conversions and
 * errors once there are any.
 */
function NodeCounts({ nodeId, waits }: { nodeId: string; waits: boolean }) {
  const [counters, mode] = useCounters(nodeId);
  const shown = (metric: string) => (counters?.[metric] ?? 0) > 0;
  const main = MAIN_METRICS.filter(([metric]) => metric === 'entered' || waits || shown(metric));
  const events = EVENT_METRICS.filter(([metric]) => shown(metric));
  return (
    <div className="journey-node__counts">
      {[...main, ...events].map(([metric, short, long]) => (
        <span key={metric} className={`metric metric--${metric}`} title={long}>
          <span className="metric__value" data-testid={`count-${metric}`}>
            {formatMetric(metric, counters, mode)}
          </span>{' '}
          <span className="metric__name">{short}</span>
        </span>
      ))}
    </div>
  );
}

/** One cell per output port, left to right in the catalog's order, each with its handle below. */
function NodePorts({ nodeId, ports }: { nodeId: string; ports: readonly string[] }) {
  const [counters, mode] = useCounters(nodeId);
  // Percentages are rounded across the ports together, so the arms of a split add up to 100 %.
  const shares = mode === 'percent' ? portShares(counters, ports) : null;
  return (
    <div className="journey-node__ports">
      {ports.map((port) => {
        const value = shares?.[port] ?? formatMetric(passedKey(port), counters, mode);
        return (
          // The title keeps the whole port name readable when a narrow cell has to shorten it.
          <div key={port} className="journey-node__port" data-port={port} title={`${port}: ${value}`}>
            <span className="journey-node__port-name">{port}</span>{' '}
            <span className="journey-node__port-count" data-testid={`count-passed-${port}`}>
              {value}
            </span>
            <Handle type="source" id={port} position={Position.Bottom} className="journey-node__out" />
          </div>
        );
      })}
    </div>
  );
}
