import { memo } from 'react';
import { holdReasons, outcomeSteps, skippedTotal, skipReasons } from '../lib/outcomes';
import { useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';

/**
 * What became of a send node's messages, live: queued, sent, delivered, opened, clicked,
 * failed, and why the others were skipped or held. Renders nothing on nodes that send nothing
 * (the catalog names a channel only for message kinds).
 */
export const MessageOutcomes = memo(function MessageOutcomes({ nodeId, kind }: { nodeId: string; kind: string }) {
  const channel = useGraphStore((s) => s.catalog[kind]?.channel);
  const counters = useSessionStore((s) => s.counters[nodeId]);
  if (!channel) return null;
  const skipped = skippedTotal(counters);
  const skips = skipReasons(counters);
  const holds = holdReasons(counters);

  return (
    <div className="message-outcomes" data-testid="message-outcomes">
      <div className="message-outcomes__steps">
        {outcomeSteps(counters).map((step) => (
          <span
            key={step.key}
            className={`outcome outcome--${step.key}${step.value > 0 ? ' is-counted' : ''}`}
            title={step.title}
          >
            <span className="outcome__name">{step.label}</span>
            <span className="outcome__value" data-testid={`outcome-${step.key}`}>
              {step.value}
            </span>
          </span>
        ))}
      </div>
      <div className="message-outcomes__why" title="Not sent on purpose, by reason">
        <span className={`message-outcomes__skipped${skipped ? ' has-skips' : ''}`}>
          Skipped <strong data-testid="outcome-skipped">{skipped}</strong>
        </span>
        {skips.map((reason) => (
          <span key={reason.key} className="outcome-reason" data-testid={`skipped-${reason.key}`}>
            {reason.label} {reason.value}
          </span>
        ))}
      </div>
      {holds.length > 0 && (
        <div className="message-outcomes__why" title="Held back before sending, by reason">
          <span className="message-outcomes__held">Delayed</span>
          {holds.map((reason) => (
            <span key={reason.key} className="outcome-reason" data-testid={`held-${reason.key}`}>
              {reason.label} {reason.value}
            </span>
          ))}
        </div>
      )}
    </div>
  );
});
