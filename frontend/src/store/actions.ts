/** What the editor does with the server: load, save, validate, publish, lifecycle, import/export. */
import { ApiError, userMessage } from '../api/client';
import { editorApi, type LifecycleAction } from '../api/editorApi';
import type { Journey, PublishConflict, ValidationResult } from '../api/types';
import { portsOf } from '../lib/catalog';
import { fromStoredGraph, toStoredGraph } from '../lib/graph';
import { layoutGraph, needsLayout } from '../lib/layout';
import { useGraphStore } from './graphStore';
import { isReadOnly, useSessionStore, type JourneyMeta } from './sessionStore';

const session = () => useSessionStore.getState();
const graph = () => useGraphStore.getState();

export type Notify = (text: string, tone?: 'info' | 'error') => void;


function metaOf(journey: Journey): JourneyMeta {
  return { name: journey.name, status: journey.status, currentVersion: journey.current_version };
}

function applyJourney(journey: Journey) {
  session().setMeta(metaOf(journey));
}

export async function loadEditor(journeyId: string): Promise<void> {
  const api = editorApi();
  const [kinds, journey] = await Promise.all([api.nodeTypes(), api.journey(journeyId)]);
  graph().setCatalog(kinds);
  const stored = fromStoredGraph(journey.graph);
  // Only what is shown is arranged; the stored draft changes when the marketer next edits.
  const catalog = graph().catalog;
  const ports = (n: (typeof stored.nodes)[number]) => portsOf(catalog[n.data.kind], n.data.config);
  graph().loadJourney(journeyId, needsLayout(stored) ? layoutGraph(stored, ports) : stored, metaOf(journey));
  void validate();
}

export async function validate(): Promise<ValidationResult | null> {
  const id = session().journeyId;
  // Validating is a POST, which the API keeps for those who may edit.
  if (!id || !session().canEdit) return null;
  try {
    const result = await editorApi().validate(id);
    session().setValidation(result);
    return result;
  } catch {
    return null;
  }
}

let inFlight: Promise<void> | null = null;

/** Stores the draft if it changed since the last save; one request at a time. */
export async function saveDraft(): Promise<void> {
  if (inFlight) {
    await inFlight;
  }
  const state = session();
  if (!state.journeyId || isReadOnly(state) || state.revision === state.savedRevision) return;
  const revision = state.markSaving();
  const body = { name: state.meta.name, graph: toStoredGraph(graph()) };
  inFlight = (async () => {
    try {
      const journey = await editorApi().saveDraft(state.journeyId as string, body);
      session().markSaved(revision);
      applyJourney(journey);
      await validate();
    } catch (error) {
      session().markSaveFailed(userMessage(error));
    } finally {
      inFlight = null;
    }
  })();
  await inFlight;
}

export async function publish(options: { migrate: boolean; mapping: Record<string, string> }, notify: Notify) {
  await saveDraft();
  const id = session().journeyId;
  if (!id) return;
  if (session().saveState === 'failed') {
    // Publishing now would publish the server's older draft, not what is on screen.
    notify(`Not published: the draft could not be saved (${session().saveError ?? 'unknown error'}).`, 'error');
    return;
  }
  try {
    const result = await editorApi().publish(id, options);
    applyJourney(result);
    notify(
      `Published version ${result.current_version}` +
        (options.migrate ? `: ${result.moved} moved, ${result.removed} left the journey.` : '.'),
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      const body = error.body as Partial<PublishConflict>;
      if (body.validation) session().setValidation(body.validation);
      notify(body.detail ?? 'The journey could not be published.', 'error');
      return;
    }
    notify(userMessage(error), 'error');
  }
}

export async function transition(action: LifecycleAction, notify: Notify) {
  const id = session().journeyId;
  if (!id) return;
  try {
    applyJourney(await editorApi().transition(id, action));
  } catch (error) {
    notify(userMessage(error), 'error');
  }
}

export async function showVersion(number: number | null, notify: Notify) {
  const id = session().journeyId;
  if (!id) return;
  if (number === null) {
    graph().backToDraft();
    return;
  }
  try {
    const version = await editorApi().version(id, number);
    graph().viewVersion(number, fromStoredGraph(version.graph));
  } catch (error) {
    notify(userMessage(error), 'error');
  }
}

export async function exportJourney(notify: Notify) {
  const id = session().journeyId;
  if (!id) return;
  try {
    await saveDraft();
    const document = await editorApi().exportJourney(id);
    const blob = new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' });
    const link = Object.assign(window.document.createElement('a'), {
      href: URL.createObjectURL(blob),
      download: `${(session().meta.name || 'journey').replace(/[^\w-]+/g, '-')}.json`,
    });
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    notify(userMessage(error), 'error');
  }
}

export const IMPORT_MAX_BYTES = 2.5 * 1024 * 1024;

/** Imports a file as a new draft journey and opens it. */
export async function importJourney(file: File, notify: Notify) {
  // The server reads at most Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) of a request body.
  if (file.size > IMPORT_MAX_BYTES) {
    notify('That file is larger than 2.5 MB, the most the server takes for an import.', 'error');
    return;
  }
  let document: unknown;
  try {
    document = JSON.parse(await file.text());
  } catch {
    notify('That file is not JSON.', 'error');
    return;
  }
  try {
    const journey = await editorApi().importJourney(document);
    window.location.assign(`/journeys/${journey.id}/`);
  } catch (error) {
    notify(`Import failed: ${userMessage(error)}`, 'error');
  }
}
