import { describe, expect, it } from 'vitest';
import type { JourneyNode } from './journey';
import { layoutGraph, needsLayout } from './layout';

function node(id: string, x = 0, y = 0): JourneyNode {
  return { id, type: 'journey', position: { x, y }, data: { kind: 'k', label: id, config: {} } };
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
});

describe('needsLayout', () => {
  it('is true only when nodes share a position', () => {
    expect(needsLayout({ nodes: [node('a'), node('b')], edges: [] })).toBe(true);
    expect(needsLayout({ nodes: [node('a'), node('b', 0, 140)], edges: [] })).toBe(false);
    expect(needsLayout({ nodes: [], edges: [] })).toBe(false);
  });
});
