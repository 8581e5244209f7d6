import { memo } from 'react';
import { holdReasons, type Outcome, outcomeSteps, skippedTotal, skipReasons } from '../lib/outcomes';
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
      <div
        className="message-outcomes__why"
        title={skips.length ? `Not sent on purpose: ${breakdown(skips)}` : 'Not sent on purpose, by reason'}
      >
        <span className={`message-outcomes__skipped${skipped ? ' has-skips' : ''}`}>
          Skipped <strong data-testid="outcome-skipped">{skipped}</strong>
        </span>
        <Reasons reasons={skips} prefix="skipped" />
      </div>
      {holds.length > 0 && (
        <div className="message-outcomes__why" title={`Held back before sending: ${breakdown(holds)}`}>
          <span className="message-outcomes__held">Delayed</span>
          <Reasons reasons={holds} prefix="held" />
        </div>
      )}
    </div>
  );
});

const breakdown = (reasons: Outcome[]) => reasons.map((reason) => `${reason.label} ${reason.value}`).join(', ');
const moreTitle = (reasons: Outcome[]) =>
  `${reasons.length} more reason${reasons.length === 1 ? '' : 's'}: ${breakdown(reasons)}`;

/**
 * The largest reason, and "+N more" for the others (named with their counts in its tooltip and the
 * row's): a card keeps one line per row however many reasons come up, so live traffic cannot grow
 * it into the next card. "more" because a bare "+1" next to a count read as one more customer.
 */
function Reasons({ reasons, prefix }: { reasons: Outcome[]; prefix: string }) {
  const [top, ...others] = reasons;
  if (!top) return null;
  return (
    <>
      {/* The count first: a narrow card cuts the end of the chip, and the label can spare it. */}
      <span className="outcome-reason" data-testid={`${prefix}-${top.key}`} title={`${top.label}: ${top.value}`}>
        {top.value} {top.label}
      </span>
      {others.length > 0 && (
        <span className="outcome-reason outcome-reason--more" data-testid={`${prefix}-more`} title={moreTitle(others)}>
          +{others.length} more
        </span>
      )}
    </>
  );
}
