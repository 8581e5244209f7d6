import { useLayoutEffect, type RefObject } from 'react';
import { clampShift } from '../lib/viewport';

/**
 * Moves an open popover back inside the window when its anchor puts it partly off screen (a
 * narrow window, a toolbar that scrolled), before it is painted and again on every resize.
 */
export function useClampToViewport(ref: RefObject<HTMLElement | null>, open: boolean) {
  useLayoutEffect(() => {
    const element = ref.current;
    if (!open || !element) return;
    const place = () => {
      element.style.translate = '';
      const shift = clampShift(element.getBoundingClientRect(), window.innerWidth, window.innerHeight);
      if (shift.x || shift.y) element.style.translate = `${shift.x}px ${shift.y}px`;
    };
    place();
    window.addEventListener('resize', place);
    return () => window.removeEventListener('resize', place);
  }, [ref, open]);
}
