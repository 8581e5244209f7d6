import type { NodeTypes } from '@xyflow/react';
import { JourneyStepNode } from './JourneyStepNode';

// Kept at module scope: React Flow re-mounts every node when this object
// changes identity, so it must never be rebuilt during render.
export const nodeTypes: NodeTypes = {
  journey: JourneyStepNode,
};
