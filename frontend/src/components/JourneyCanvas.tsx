import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type IsValidConnection,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isTriggerCategory, portsOf } from '../lib/catalog';
import type { JourneyEdge } from '../lib/journey';
import { edgePort, edgeTraffic } from '../lib/metrics';
import { FIT_VIEW, MINIMAP_SIZE } from '../lib/viewport';
import { nodeTypes } from '../nodes/nodeTypes';
import { useReadOnly } from '../hooks/useReadOnly';
import { useReviewDiff } from '../hooks/useReviewDiff';
import { useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';
import { PALETTE_MIME } from './Palette';
import { ViewControls } from './ViewControls';

// Module constants: React Flow re-subscribes its key listeners whenever these change identity.
const DELETE_KEYS = ['Backspace', 'Delete'];
const MULTI_SELECT_KEYS = ['Meta', 'Control', 'Shift'];
const SNAP_GRID: [number, number] = [20, 20];

interface JourneyCanvasProps {
  /** True once the journey and catalog are in the store. */
  loaded?: boolean;
  onReady?: (ready: boolean) => void;
}

export function JourneyCanvas({ loaded = true, onReady }: JourneyCanvasProps) {
  const { nodes, edges, onNodesChange, onEdgesChange, onConnect } = useGraphStore(
    useShallow((s) => ({
      nodes: s.nodes,
      edges: s.edges,
      onNodesChange: s.onNodesChange,
      onEdgesChange: s.onEdgesChange,
      onConnect: s.onConnect,
    })),
  );
  const readOnly = useReadOnly();
  const [shownNodes, displayEdges] = useReviewDiff(nodes, useDisplayEdges(edges));
  const flow = useReactFlow();
  const measured = useNodesInitialized();
  const ready = loaded && (nodes.length === 0 || measured);

  const fitted = useRef(false);

  useEffect(() => {
    // Fit once, when the loaded journey is first drawn; React Flow's own `fitView` would
    // instead wait for the first node of an empty journey and jump the view as it is dropped.
    if (ready && !fitted.current) {
      fitted.current = true;
      if (nodes.length > 0) void flow.fitView(FIT_VIEW);
    }
    onReady?.(ready);
  }, [ready, onReady, flow, nodes.length]);

  // Titles and live counts arrive after that first fit and make cards taller, which would push
  // the last steps below the edge. Until the marketer first touches the canvas, every change of
  // a card's size fits again; after that, the view is theirs and stays where they put it.
  const touched = useRef(false);
  const [resized, setResized] = useState(0);
  const onNodesChangeRefitting: typeof onNodesChange = useCallback(
    (changes) => {
      onNodesChange(changes);
      if (fitted.current && !touched.current && changes.some((c) => c.type === 'dimensions')) {
        setResized((n) => n + 1);
      }
    },
    [onNodesChange],
  );
  useEffect(() => {
    if (resized > 0 && !touched.current) void flow.fitView(FIT_VIEW);
  }, [resized, flow]);
  const touch = useCallback(() => {
    touched.current = true;
  }, []);

  const isValidConnection: IsValidConnection = useCallback((connection: Connection | Edge) => {
    if (connection.source === connection.target) return false;
    const state = useGraphStore.getState();
    const target = state.nodes.find((n) => n.id === connection.target);
    // Customers enter a trigger only through its event or call, never along an edge.
    return !isTriggerCategory(target ? state.catalog[target.data.kind] : undefined);
  }, []);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const kind = event.dataTransfer.getData(PALETTE_MIME);
      if (!kind) return;
      event.preventDefault();
      touched.current = true;
      const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      useGraphStore.getState().addNodeOfKind(kind, { x: position.x - 110, y: position.y - 30 });
    },
    [flow],
  );

  return (
    <div
      className="journey-canvas"
      onDragOver={onDragOver}
      onDrop={onDrop}
      onPointerDownCapture={touch}
      onWheelCapture={touch}
      onKeyDownCapture={touch}
      data-testid="canvas"
    >
      <ReactFlow
        nodes={shownNodes}
        edges={displayEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChangeRefitting}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        selectionKeyCode="Shift"
        minZoom={0.1}
        snapToGrid
        snapGrid={SNAP_GRID}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} fitViewOptions={FIT_VIEW} />
        <MiniMap pannable zoomable style={MINIMAP_SIZE} />
        <ViewControls />
      </ReactFlow>
    </div>
  );
}

/**
 * Edges as drawn: each labelled with its share of traffic (from the source node's per-port
 * counters) and marked when the server reported a problem with it.
 */
function useDisplayEdges(edges: JourneyEdge[]): JourneyEdge[] {
  const catalog = useGraphStore((s) => s.catalog);
  const { counters, mode, validation } = useSessionStore(
    useShallow((s) => ({ counters: s.counters, mode: s.metricMode, validation: s.validation })),
  );
  return useMemo(() => {
    // Read without subscribing: ports only matter for edges with an empty handle, and those
    // are redrawn whenever edges or counters change anyway.
    const nodes = new Map(useGraphStore.getState().nodes.map((n) => [n.id, n]));
    const broken = new Set(validation?.errors.map((e) => e.edge_id).filter(Boolean));
    return edges.map((edge) => {
      const source = nodes.get(edge.source);
      const ports = source ? portsOf(catalog[source.data.kind], source.data.config) : [];
      const port = edgePort(edge.sourceHandle, ports);
      const label = port ? edgeTraffic(counters[edge.source], port, mode) : null;
      const invalid = broken.has(edge.id);
      if (!label && !invalid && !edge.className) return edge;
      return {
        ...edge,
        label: label ?? undefined,
        className: invalid ? 'journey-edge--invalid' : undefined,
        labelBgPadding: [4, 2] as [number, number],
      };
    });
  }, [edges, counters, mode, catalog, validation]);
}
