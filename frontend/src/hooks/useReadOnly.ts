import { isReadOnly, useSessionStore } from '../store/sessionStore';

/** Whether the canvas must not change, re-rendering when that flips (version shown, rights, archive). */
export function useReadOnly(): boolean {
  return useSessionStore(isReadOnly);
}
