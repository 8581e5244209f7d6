import { Background, Controls, MiniMap, ReactFlow } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { nodeTypes } from '../nodes/nodeTypes';
import { useJourneyStore } from '../store/journeyStore';

export function JourneyCanvas() {
  const { nodes, edges, onNodesChange, onEdgesChange, onConnect } = useJourneyStore(
    useShallow((s) => ({
      nodes: s.nodes,
      edges: s.edges,
      onNodesChange: s.onNodesChange,
      onEdgesChange: s.onEdgesChange,
      onConnect: s.onConnect,
    })),
  );

  return (
    <div className="journey-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        fitView
      >
        <Background />
        <Controls />
        <MiniMap />
      </ReactFlow>
    </div>
  );
}
