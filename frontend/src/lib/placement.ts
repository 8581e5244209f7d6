/** Where new steps go: the nearest spot to where they were dropped or pasted that covers no other step. */
import type { XYPosition } from '@xyflow/react';
import type { JourneyNode } from './journey';
import { sizeOf } from './layout';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Room kept around every step, so cards never touch and a handle stays clickable. */
export const PLACEMENT_GAP = 20;
/** Candidate offsets lie on the canvas's snap grid... */
const STEP = 20;
/** ...within this distance; past it a crowded canvas takes the first spot below everything. */
const REACH = 1600;

export function rectOf(node: JourneyNode): Rect {
  return { ...node.position, ...sizeOf(node) };
}

function overlaps(a: Rect, b: Rect, gap: number): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

let candidates: XYPosition[] | null = null;

/** Every grid offset within REACH, nearest first (computed once: the order never changes). */
function offsetsByDistance(): XYPosition[] {
  if (!candidates) {
    const steps = REACH / STEP;
    const all: XYPosition[] = [];
    for (let i = -steps; i <= steps; i++) {
      for (let j = -steps; j <= steps; j++) {
        if (i * i + j * j <= steps * steps) all.push({ x: i * STEP, y: j * STEP });
      }
    }
    // Ties (same distance) prefer below, then right: where a reader expects the next step.
    all.sort((a, b) => a.x * a.x + a.y * a.y - (b.x * b.x + b.y * b.y) || b.y - a.y || b.x - a.x);
    candidates = all;
  }
  return candidates;
}

/**
 * The smallest shift that moves every one of `moving` clear of every one of `fixed` (by `gap`),
 * keeping the group's own arrangement. {0, 0} when they already are clear.
 */
export function freeOffset(moving: readonly Rect[], fixed: readonly Rect[], gap = PLACEMENT_GAP): XYPosition {
  if (moving.length === 0) return { x: 0, y: 0 };
  // Only steps near the group can be in the way: a cheap filter before the search.
  const box = bounds(moving);
  const near = fixed.filter((r) => overlaps(r, grow(box, REACH), gap));
  const clear = (dx: number, dy: number) =>
    moving.every((m) => near.every((f) => !overlaps({ ...m, x: m.x + dx, y: m.y + dy }, f, gap)));
  for (const offset of offsetsByDistance()) {
    if (clear(offset.x, offset.y)) return offset;
  }
  const all = bounds(fixed);
  return { x: 0, y: all.y + all.height + gap - box.y };
}

/** Where a node of `size` asked to go at `position` goes: there, or the nearest free spot. */
export function freeSpot(
  position: XYPosition,
  size: { width: number; height: number },
  nodes: readonly JourneyNode[],
): XYPosition {
  const offset = freeOffset([{ ...position, ...size }], nodes.map(rectOf));
  return { x: position.x + offset.x, y: position.y + offset.y };
}

function bounds(rects: readonly Rect[]): Rect {
  const x = Math.min(...rects.map((r) => r.x));
  const y = Math.min(...rects.map((r) => r.y));
  return {
    x,
    y,
    width: Math.max(...rects.map((r) => r.x + r.width)) - x,
    height: Math.max(...rects.map((r) => r.y + r.height)) - y,
  };
}

function grow(r: Rect, by: number): Rect {
  return { x: r.x - by, y: r.y - by, width: r.width + 2 * by, height: r.height + 2 * by };
}
