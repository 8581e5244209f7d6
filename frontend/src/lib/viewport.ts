/**
 * How the canvas frames a journey. The minimap sits in the bottom-right corner, so every fit keeps
 * a right margin as wide as the minimap plus its gap, and it never covers a step or a handle
 * after a fit; the view controls get a strip at the top and the zoom buttons a margin on the left.
 */
import type { FitViewOptions } from '@xyflow/react';

export const MINIMAP_SIZE = { width: 160, height: 110 };
/** React Flow's gap between a panel and the canvas edge. */
const PANEL_GAP = 15;

export const FIT_VIEW: FitViewOptions = {
  maxZoom: 1.2,
  padding: {
    top: '48px', // below the view controls' strip
    bottom: '24px',
    left: '56px',
    right: `${MINIMAP_SIZE.width + 2 * PANEL_GAP}px`,
  },
};

/** The same frame, eased into view after the graph changed under the marketer's eyes. */
export const FIT_VIEW_ANIMATED: FitViewOptions = { ...FIT_VIEW, duration: 300 };
