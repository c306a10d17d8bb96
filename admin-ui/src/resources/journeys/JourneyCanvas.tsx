import { Background, Controls, type Edge, MarkerType, type Node, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Box } from '@mui/material';
import { useMemo } from 'react';
import type { ApiFieldError } from '../../providers/httpClient';
import type { JourneyGraph, JourneyNode, JourneyStats } from '../../providers/journeysApi';
import { edgeFields, NODE_INFO } from './nodeModel';

const COLUMN = 230;
const ROW = 120;

/** Where each node leads, with the edge's label: `next`-style fields, and the branches of a split. */
function exits(node: JourneyNode): { target: string; label: string }[] {
  const out = edgeFields(node)
    .map(({ field, label }) => ({ target: node[field], label }))
    .filter((e): e is { target: string; label: string } => typeof e.target === 'string' && e.target !== '');
  if (node.type === 'split' && Array.isArray(node.branches)) {
    for (const b of node.branches as { percent: number; next: string }[]) if (b.next) out.push({ target: b.next, label: `${String(b.percent)} %` });
  }
  return out;
}

/** Layered layout: each node one row below the first node that leads to it (breadth-first from the triggers). */
function layout(graph: JourneyGraph): Map<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  const queue = graph.nodes.filter((n) => n.type === 'trigger').map((n) => n.id);
  for (const id of queue) depth.set(id, 0);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  while (queue.length) {
    const id = queue.shift() as string;
    const node = byId.get(id);
    if (!node) continue;
    for (const { target } of exits(node)) {
      if (!depth.has(target) && byId.has(target)) {
        depth.set(target, (depth.get(id) ?? 0) + 1);
        queue.push(target);
      }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  // Unreachable nodes go to a row of their own at the bottom, where validation also flags them.
  for (const n of graph.nodes) if (!depth.has(n.id)) depth.set(n.id, maxDepth + 1);
  const perRow = new Map<number, number>();
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of graph.nodes) {
    const row = depth.get(n.id) ?? 0;
    const column = perRow.get(row) ?? 0;
    perRow.set(row, column + 1);
    positions.set(n.id, { x: column * COLUMN, y: row * ROW });
  }
  return positions;
}

/**
 * The journey as a graph (React Flow): nodes with their type, figures and problems, edges labelled with
 * the way they are taken. Read-only: nodes are edited in the cards below; a click jumps to a node's card.
 */
export function JourneyCanvas({ graph, stats, problems }: { graph: JourneyGraph; stats?: JourneyStats; problems: Map<string, ApiFieldError[]> }) {
  const { nodes, edges } = useMemo(() => {
    const positions = layout(graph);
    const nodes: Node[] = graph.nodes.map((n) => {
      const figures = stats?.nodes[n.id];
      const bad = (problems.get(n.id) ?? []).length > 0;
      return {
        id: n.id,
        position: positions.get(n.id) ?? { x: 0, y: 0 },
        data: {
          label: (
            <Box data-testid={`canvas-node-${n.id}`} sx={{ fontSize: 12, lineHeight: 1.4 }}>
              <strong>{NODE_INFO[n.type].label}</strong>
              <br />
              {n.label ?? n.id}
              {figures && (
                <Box component="span" sx={{ display: 'block', color: 'text.secondary' }}>
                  {figures.entered} in · {figures.waiting} waiting{n.type === 'send' ? ` · ${String(figures.sent)} sent` : ''}
                </Box>
              )}
            </Box>
          ),
        },
        type: n.type === 'trigger' ? 'input' : exits(n).length === 0 ? 'output' : 'default',
        draggable: true,
        connectable: false,
        style: { width: 190, borderColor: bad ? '#d32f2f' : undefined, borderWidth: bad ? 2 : 1 },
      };
    });
    const edges: Edge[] = graph.nodes.flatMap((n) =>
      exits(n).map((e, i) => ({
        id: `${n.id}-${String(i)}-${e.target}`,
        source: n.id,
        target: e.target,
        label: e.label === 'Then' ? undefined : e.label,
        markerEnd: { type: MarkerType.ArrowClosed },
      })),
    );
    return { nodes, edges };
  }, [graph, stats, problems]);

  return (
    <Box data-testid="journey-canvas" sx={{ height: 420, border: 1, borderColor: 'divider', borderRadius: 1, mb: 2, bgcolor: 'background.paper' }}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesConnectable={false}
        elementsSelectable
        proOptions={{ hideAttribution: true }}
        onNodeClick={(_event, node) =>
          document.querySelector(`[data-testid="journey-node-${node.id}"]`)?.scrollIntoView({ behavior: 'smooth', block: 'center' })
        }
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </Box>
  );
}
