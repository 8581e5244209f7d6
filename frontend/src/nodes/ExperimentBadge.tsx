import { useEffect } from 'react';
import { useExperimentsStore, watchExperiments } from '../store/experimentsStore';
import { useSessionStore } from '../store/sessionStore';

const percent = (value: number) => `${Number.isInteger(value) ? value : value.toFixed(1)}%`;

/**
 * The experiment a split node runs, on its card: running, bandit, decided or stopped, the winner,
 * the share of new customers each arm gets now, and a link to the report where reviewers decide.
 * Only for split nodes of the published graph: a split that exists only in the draft runs nothing yet.
 */
export function ExperimentBadge({ nodeId, kind }: { nodeId: string; kind: string }) {
  const journeyId = useSessionStore((s) => s.journeyId);
  const experiment = useExperimentsStore((s) => s.byNode[nodeId]);
  const isSplit = kind === 'split';

  useEffect(() => {
    if (!isSplit || !journeyId) return;
    return watchExperiments(journeyId);
  }, [isSplit, journeyId]);

  if (!isSplit || !experiment) return null;
  const state = experiment.status === 'running' && experiment.bandit ? 'bandit' : experiment.status;
  const title =
    state === 'decided'
      ? `Winner ${experiment.winner}: every new customer takes it`
      : state === 'stopped'
        ? `Stopped: every new customer takes ${experiment.winner}`
        : state === 'bandit'
          ? 'Running, the bandit moves traffic towards the better arms'
          : 'Running at the weights below';
  return (
    <div className={`experiment-badge experiment-badge--${state}`} data-testid="experiment-badge" data-state={state} title={title}>
      <span className="experiment-badge__state">
        {badgeLabel(state, experiment.winner)}
      </span>
      <span className="experiment-badge__weights" data-testid="experiment-weights">
        {Object.entries(experiment.weights)
          .map(([arm, weight]) => `${arm} ${percent(weight)}`)
          .join(' · ')}
      </span>
      <a className="experiment-badge__report nodrag" href={experiment.report_url}>
        Report
      </a>
    </div>
  );
}

/** "Winner: in-app", "Stopped: B", "Running", "Bandit": arm keys stay as the marketer wrote them. */
export function badgeLabel(state: string, winner: string | null | undefined): string {
  if (state === 'decided') return `Winner: ${winner ?? ''}`;
  if (state === 'stopped') return `Stopped: ${winner ?? ''}`;
  return state.charAt(0).toUpperCase() + state.slice(1);
}
