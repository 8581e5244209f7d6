/** Settings the Django template hands over as data attributes on `#root`. */
export interface MountConfig {
  /** From `data-journey-id`; null when empty or missing. */
  journeyId: string | null;
  /** From `data-api-base`; always ends with a slash. Defaults to `/api/`. */
  apiBase: string;
  /** From `data-can-edit`: only the exact text `true` allows editing, so a missing flag means read-only. */
  canEdit: boolean;
}

export function readMountConfig(dataset: DOMStringMap): MountConfig {
  const journeyId = dataset.journeyId?.trim() || null;
  const rawBase = dataset.apiBase?.trim() || '/api/';
  return {
    journeyId,
    apiBase: rawBase.endsWith('/') ? rawBase : `${rawBase}/`,
    canEdit: dataset.canEdit === 'true',
  };
}
