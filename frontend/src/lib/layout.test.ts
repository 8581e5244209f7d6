import { describe, expect, it } from 'vitest';
import type { JourneyEdge, JourneyNode } from './journey';
import { layoutGraph, needsLayout, type PortOrder } from './layout';

function node(id: string, x = 0, y = 0): JourneyNode {
  return { id, type: 'journey', position: { x, y }, data: { kind: 'k', label: id, config: {} } };
}

function edge(source: string, sourceHandle: string, target: string): JourneyEdge {
  return { id: `${source}-${sourceHandle}-${target}`, source, sourceHandle, target };
}

describe('layoutGraph', () => {
  it('places each step below the one it follows and siblings side by side', () => {
    const { nodes } = layoutGraph({
      nodes: [node('t'), node('a'), node('b'), node('end')],
      edges: [
        { id: '1', source: 't', target: 'a' },
        { id: '2', source: 't', target: 'b' },
        { id: '3', source: 'a', target: 'end' },
        { id: '4', source: 'ghost', target: 'end' },
      ],
    });
    const at = Object.fromEntries(nodes.map((n) => [n.id, n.position]));
    expect(at.a!.y).toBeGreaterThan(at.t!.y);
    expect(at.b!.y).toBe(at.a!.y);
    expect(at.a!.x).not.toBe(at.b!.x);
    expect(at.end!.y).toBeGreaterThan(at.a!.y);
  });

  // The abandoned-basket journey, its edges listed as the demo file lists them. Left to itself,
  // dagre puts the first-listed child on the right: the match's edge then crosses the timeout's.
  const basket = {
    nodes: ['added', 'wait', 'bought', 'email', 'pause', 'wait2', 'bought2', 'sms', 'done'].map((id) => node(id)),
    edges: [
      edge('added', 'next', 'wait'),
      edge('wait', 'matched', 'bought'),
      edge('wait', 'timeout', 'email'),
      edge('email', 'next', 'pause'),
      edge('pause', 'next', 'wait2'),
      edge('wait2', 'matched', 'bought2'),
      edge('wait2', 'timeout', 'sms'),
      edge('sms', 'next', 'done'),
    ],
  };
  const ports: PortOrder = (n) => (n.id.startsWith('wait') ? ['matched', 'timeout'] : ['next']);

  it("puts each port's child on that port's side, so a two-port node's edges do not cross", () => {
    const { nodes } = layoutGraph(basket, ports);
    const x = Object.fromEntries(nodes.map((n) => [n.id, n.position.x]));
    expect(x.bought!).toBeLessThan(x.email!);
    expect(x.bought2!).toBeLessThan(x.sms!);
  });

  it('orders children by port for three-way splits as well', () => {
    const split = {
      nodes: ['s', 'c', 'b', 'a'].map((id) => node(id)),
      edges: [edge('s', 'A', 'a'), edge('s', 'B', 'b'), edge('s', 'control', 'c')],
    };
    const { nodes } = layoutGraph(split, () => ['A', 'B', 'control']);
    const x = Object.fromEntries(nodes.map((n) => [n.id, n.position.x]));
    expect(x.a!).toBeLessThan(x.b!);
    expect(x.b!).toBeLessThan(x.c!);
  });

  it('never overlaps two nodes, whatever their measured sizes', () => {
    const sized = basket.nodes.map((n, i) => ({ ...n, measured: { width: 200 + i * 10, height: 80 + i * 5 } }));
    const { nodes } = layoutGraph({ nodes: sized, edges: basket.edges }, ports);
    for (const a of nodes) {
      for (const b of nodes) {
        if (a === b) continue;
        const apart =
          a.position.x + a.measured!.width! <= b.position.x ||
          b.position.x + b.measured!.width! <= a.position.x ||
          a.position.y + a.measured!.height! <= b.position.y ||
          b.position.y + b.measured!.height! <= a.position.y;
        expect(apart).toBe(true);
      }
    }
  });
});

describe('needsLayout', () => {
  it('is true only when nodes share a position', () => {
    expect(needsLayout({ nodes: [node('a'), node('b')], edges: [] })).toBe(true);
    expect(needsLayout({ nodes: [node('a'), node('b', 0, 140)], edges: [] })).toBe(false);
    expect(needsLayout({ nodes: [], edges: [] })).toBe(false);
  });
});
