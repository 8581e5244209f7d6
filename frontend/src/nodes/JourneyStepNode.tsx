import { Handle, Position, type NodeProps } from '@xyflow/react';
import { TRIGGER_KIND, type JourneyNode } from '../lib/journey';

/** Generic card for one journey step until each kind gets its own component. */
export function JourneyStepNode({ data, selected }: NodeProps<JourneyNode>) {
  const isTrigger = data.kind === TRIGGER_KIND;
  return (
    <div className={`journey-node${selected ? ' journey-node--selected' : ''}`}>
      {!isTrigger && <Handle type="target" position={Position.Left} />}
      <div className="journey-node__kind">{data.kind}</div>
      <div className="journey-node__label">{data.label}</div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}
