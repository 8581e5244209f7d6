/**
 * How the canvas frames a journey. The minimap sits in the bottom-right corner, so every fit keeps
 * a right margin as wide as the minimap plus its gap, and it never covers a step or a handle
 * after a fit (the view controls sit above it, in the same column); the zoom buttons get a
 * narrower margin on the left.
 */
import type { FitViewOptions } from '@xyflow/react';

/** The minimap's size; the view controls above it take the same width. */
export const MINIMAP_SIZE = { width: 160, height: 110 };
/** React Flow's gap between a panel and the canvas edge. */
const PANEL_GAP = 15;

export const FIT_VIEW: FitViewOptions = {
  maxZoom: 1.2,
  // 12 px above and below: the longest demo journey then fits 1440x900 with its titles at 11 px
  // or more while its ranks keep room for the edge counts between them.
  padding: {
    top: '12px',
    bottom: '12px',
    left: '56px',
    right: `${MINIMAP_SIZE.width + 2 * PANEL_GAP}px`,
  },
};

/** The same frame, eased into view after the graph changed under the marketer's eyes. */
export const FIT_VIEW_ANIMATED: FitViewOptions = { ...FIT_VIEW, duration: 300 };

/** Keeps popovers this far from the window's edges. */
export const SCREEN_MARGIN = 8;

/**
 * The shift that brings a box of `rect` inside a `width` x `height` window, `margin` from its edges;
 * a box larger than the window keeps its top-left corner on screen.
 */
export function clampShift(
  rect: { left: number; top: number; right: number; bottom: number },
  width: number,
  height: number,
  margin = SCREEN_MARGIN,
): { x: number; y: number } {
  const axis = (start: number, end: number, size: number) => {
    if (end > size - margin) {
      const back = end - (size - margin);
      return -Math.min(back, Math.max(0, start - margin));
    }
    return start < margin ? margin - start : 0;
  };
  return { x: axis(rect.left, rect.right, width), y: axis(rect.top, rect.bottom, height) };
}
