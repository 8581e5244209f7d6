import { describe, expect, it } from 'vitest';
import type { JourneyNode } from './journey';
import { DEFAULT_SIZE } from './layout';
import { freeOffset, freeSpot, PLACEMENT_GAP, rectOf, type Rect } from './placement';

function node(id: string, x: number, y: number, width = 240, height = 100): JourneyNode {
  return { id, type: 'journey', position: { x, y }, measured: { width, height }, data: { kind: 'k', label: id, config: {} } };
}

function clearOfAll(rect: Rect, others: readonly Rect[]): boolean {
  return others.every(
    (o) =>
      rect.x + rect.width + PLACEMENT_GAP <= o.x ||
      o.x + o.width + PLACEMENT_GAP <= rect.x ||
      rect.y + rect.height + PLACEMENT_GAP <= o.y ||
      o.y + o.height + PLACEMENT_GAP <= rect.y,
  );
}

describe('freeSpot', () => {
  it('keeps a spot that is free', () => {
    expect(freeSpot({ x: 600, y: 0 }, DEFAULT_SIZE, [node('a', 0, 0)])).toEqual({ x: 600, y: 0 });
  });

  it('moves a node dropped on another to the nearest free spot', () => {
    const nodes = [node('a', 0, 0)];
    const spot = freeSpot({ x: 20, y: 20 }, DEFAULT_SIZE, nodes);
    expect(clearOfAll({ ...spot, ...DEFAULT_SIZE }, nodes.map(rectOf))).toBe(true);
    // The nearest way out of a 240x100 card dropped 20 px off its corner is down, not sideways.
    expect(spot).toEqual({ x: 20, y: 120 });
  });

  it('finds a gap between crowded steps rather than leaving the crowd', () => {
    // A column of steps with one hole in it, where the drop lands.
    const nodes = [node('a', 0, 0), node('b', 0, 120), node('c', 0, 360), node('d', 0, 480)];
    const spot = freeSpot({ x: 0, y: 250 }, DEFAULT_SIZE, nodes);
    expect(clearOfAll({ ...spot, ...DEFAULT_SIZE }, nodes.map(rectOf))).toBe(true);
    expect(Math.hypot(spot.x, spot.y - 250)).toBeLessThanOrEqual(300);
  });
});

describe('freeOffset', () => {
  it('moves a pasted group as one, clear of every step', () => {
    const existing = [node('a', 0, 0), node('b', 0, 160), node('c', 300, 0)].map(rectOf);
    const pasted = [node('a2', 40, 40), node('b2', 40, 200)].map(rectOf);
    const offset = freeOffset(pasted, existing);
    const moved = pasted.map((r) => ({ ...r, x: r.x + offset.x, y: r.y + offset.y }));
    for (const r of moved) expect(clearOfAll(r, existing)).toBe(true);
    // The group keeps its own shape.
    expect(moved[1]!.y - moved[0]!.y).toBe(160);
    expect(moved[1]!.x).toBe(moved[0]!.x);
  });

  it('is zero when nothing is in the way', () => {
    expect(freeOffset([rectOf(node('x', 1000, 1000))], [rectOf(node('a', 0, 0))])).toEqual({ x: 0, y: 0 });
  });
});
