import { useReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useShallow } from 'zustand/react/shallow';
import { editorApi } from '../api/editorApi';
import type { JourneyVersion } from '../api/types';
import { sameStoredGraph } from '../lib/graph';
import { sameSettings } from '../lib/journeySettings';
import { FIT_VIEW_ANIMATED } from '../lib/viewport';
import {
  exportJourney,
  importJourney,
  publish,
  saveDraft,
  showVersion,
  transition,
  validate,
  type Notify,
} from '../store/actions';
import { useGraphStore } from '../store/graphStore';
import { isReadOnly, useSessionStore } from '../store/sessionStore';
import { useSettingsStore } from '../store/settingsStore';
import { HelpPopover } from './HelpPopover';
import { JourneySettingsPanel } from './JourneySettingsPanel';
import { NotificationsBell } from './NotificationsBell';
import { useReviewStore } from '../store/reviewStore';
import { publishReviewNote } from '../lib/review';
import { PublishDialog, type Occupied } from './PublishDialog';
import { TestRunPanel } from './TestRunPanel';

const SAVE_LABELS = { saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', failed: 'Save failed' };
// A publish may use up an approval or be refused for the lack of one: the review panel follows.
const refreshReview = () => useReviewStore.getState().refresh();

/**
 * A side panel opened from the toolbar, placed over the editor's body (below the toolbar, whatever
 * its height) like the review panel, rather than over the site's nav and the toolbar itself.
 */
function belowToolbar(panel: ReactNode): ReactNode {
  const body = document.querySelector('.editor-shell__body');
  return body ? createPortal(panel, body) : panel;
}

export function Toolbar({ notify, helpOpen, onHelp }: { notify: Notify; helpOpen: boolean; onHelp: (open: boolean) => void }) {
  const history = useGraphStore(
    useShallow((state) => ({ canUndo: state.past.length > 0, canRedo: state.future.length > 0 })),
  );
  const s = useSessionStore(
    useShallow((state) => ({
      journeyId: state.journeyId,
      meta: state.meta,
      canEdit: state.canEdit,
      readOnly: isReadOnly(state),
      viewingVersion: state.viewingVersion,
      saveState: state.saveState,
      saveError: state.saveError,
      errors: state.validation?.errors.length ?? null,
      revision: state.revision,
    })),
  );
  const flow = useReactFlow();
  const [versions, setVersions] = useState<JourneyVersion[]>([]);
  // Set while the publish dialog is open: who is inside the live version, and whether this publish
  // starts the journey taking customers.
  const [publishing, setPublishing] = useState<{ occupied: Occupied; goingLive: boolean } | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const draftSettings = useSettingsStore((state) => state.draft);
  const fileInput = useRef<HTMLInputElement>(null);
  const [testing, setTesting] = useState(false);
  // The last review's bearing on publishing, also on the Publish button (a rejection that does not block).
  const reviewNote = useReviewStore(useShallow((state) => publishReviewNote(state.state)));
  // Why the draft cannot be edited: a review holds it (the person could edit otherwise), or the role.
  const lockedByReview = useReviewStore((state) => state.mayEdit && Boolean(state.state?.locked));
  const session = useSessionStore.getState;
  const graph = useGraphStore.getState;

  useEffect(() => {
    if (s.journeyId) void useSettingsStore.getState().load(s.journeyId);
  }, [s.journeyId]);

  useEffect(() => {
    if (!s.journeyId) return;
    editorApi()
      .versions(s.journeyId)
      .then(setVersions)
      .catch(() => setVersions([]));
  }, [s.journeyId, s.meta.currentVersion]);

  const startPublish = () => {
    const occupied = Object.entries(session().counters)
      .map(([nodeId, c]) => ({ nodeId, waiting: c.waiting ?? 0 }))
      .filter((o) => o.waiting > 0);
    const inside = s.meta.currentVersion !== null ? occupied : [];
    // A live or paused journey already takes customers; anything else starts to with this publish.
    const goingLive = s.meta.status !== 'live' && s.meta.status !== 'paused';
    if (goingLive || inside.length > 0) setPublishing({ occupied: inside, goingLive });
    else void publish({ migrate: false, mapping: {} }, notify).then(refreshReview);
  };

  // Whether publishing would only repeat the live version (the server refuses that with a
  // 409); recomputed per edit, not per render. A closed or stopped journey publishes an
  // unchanged draft to take customers again, so it is never "unchanged" here.
  const unchanged = useMemo(() => {
    if (s.meta.status !== 'live' && s.meta.status !== 'paused') return false;
    const live = versions.find((v) => v.number === s.meta.currentVersion);
    if (!live) return false;
    const state = graph();
    // Settings publish with the graph, so a draft whose settings alone changed is not "unchanged".
    return sameStoredGraph(live.graph, state.stashedDraft ?? state) && (draftSettings === null || sameSettings(live.settings, draftSettings));
  }, [versions, s.meta.currentVersion, s.meta.status, s.revision, draftSettings]); // eslint-disable-line react-hooks/exhaustive-deps

  const status = s.meta.status;
  const publishBlocked =
    s.readOnly || s.errors === null || s.errors > 0 || s.saveState === 'failed' || unchanged;

  return (
    <header className="toolbar" role="toolbar" aria-label="Journey">
      <a className="toolbar__back" href="/" title="All journeys">
        ← Journeys
      </a>
      <input
        className="toolbar__name"
        aria-label="Journey name"
        value={s.meta.name}
        maxLength={200}
        disabled={s.readOnly}
        onChange={(e) => session().rename(e.target.value)}
      />
      <span className={`badge badge--${status}`} data-testid="status">
        {status}
      </span>
      <select
        aria-label="Version"
        value={s.viewingVersion ?? ''}
        onChange={(e) => void showVersion(e.target.value === '' ? null : Number(e.target.value), notify)}
      >
        <option value="">Draft{s.meta.currentVersion ? ` (live: v${s.meta.currentVersion})` : ''}</option>
        {versions.map((v) => (
          <option key={v.number} value={v.number}>
            v{v.number} · {new Date(v.published_at).toLocaleDateString()}
            {v.published_by ? ` · ${v.published_by}` : ''} (read-only)
          </option>
        ))}
      </select>
      {s.canEdit && s.viewingVersion === null && (
        <span className={`save-state save-state--${s.saveState}`} data-testid="save-state" title={s.saveError ?? ''}>
          {SAVE_LABELS[s.saveState]}
          {s.saveState === 'failed' && s.saveError ? `: ${s.saveError.slice(0, 120)}` : ''}
        </span>
      )}
      {!s.canEdit && (
        <span
          className="badge badge--readonly"
          data-testid="read-only"
          title={
            lockedByReview
              ? 'The draft is locked while it is in review. To change it, withdraw the review in the Review panel.'
              : 'Your role can read journeys but not change them.'
          }
        >
          {lockedByReview ? 'In review: read-only' : 'Read-only'}
        </span>
      )}

      <span className="toolbar__group">
        <button type="button" className="secondary" disabled={s.readOnly || !history.canUndo} onClick={() => graph().undo()} title="Undo (Ctrl+Z)" aria-label="Undo">
          ↶
        </button>
        <button type="button" className="secondary" disabled={s.readOnly || !history.canRedo} onClick={() => graph().redo()} title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
          ↷
        </button>
        <button
          type="button"
          className="secondary"
          disabled={s.readOnly}
          onClick={() => {
            graph().autoLayout();
            window.setTimeout(() => void flow.fitView(FIT_VIEW_ANIMATED), 0);
          }}
          title="Arrange automatically (Shift+L)"
        >
          Arrange
        </button>
        <button type="button" className="secondary" disabled={s.readOnly} onClick={() => graph().deleteSelection()} title="Delete the selection (Delete)">
          Delete
        </button>
      </span>

      <span className="toolbar__group">
        <button type="button" className="secondary" aria-pressed={settingsOpen} onClick={() => setSettingsOpen((open) => !open)} title="Goal, exit criteria, re-entry and entry cap">
          Settings
        </button>
        <button type="button" className="secondary" onClick={() => void saveDraft().then(validate)} disabled={s.viewingVersion !== null}>
          Validate
        </button>
        <button type="button" className="secondary" aria-pressed={testing} onClick={() => setTesting((open) => !open)} title="Send a test profile through the journey">
          Test run
        </button>
        {s.canEdit && (
          <button
            type="button"
            disabled={publishBlocked}
            onClick={startPublish}
            title={
              unchanged
                ? 'The live version is the same as this draft'
                : publishBlocked && s.errors
                  ? 'Fix the errors first'
                  : `Publish the draft as a new version${reviewNote ? `. ${reviewNote.text}` : ''}`
            }
          >
            Publish
          </button>
        )}
        {s.canEdit && status === 'live' && (
          <button type="button" className="secondary" onClick={() => void transition('pause', notify)}>
            Pause
          </button>
        )}
        {s.canEdit && status === 'paused' && (
          <button type="button" className="secondary" onClick={() => void transition('resume', notify)}>
            Resume
          </button>
        )}
        {s.canEdit && (status === 'live' || status === 'paused') && (
          <button type="button" className="secondary" onClick={() => void transition('close', notify)} title="No new entries; those inside finish">
            Close
          </button>
        )}
        {s.canEdit && (status === 'live' || status === 'paused' || status === 'closed') && (
          <button
            type="button"
            className="secondary danger"
            onClick={() => {
              if (window.confirm('Stop the journey? Everyone inside leaves it now.')) void transition('stop', notify);
            }}
          >
            Stop
          </button>
        )}
      </span>

      <span className="toolbar__group">
        <button type="button" className="secondary" onClick={() => void exportJourney(notify)}>
          Export
        </button>
        {s.canEdit && (
          <>
            <button type="button" className="secondary" onClick={() => fileInput.current?.click()}>
              Import
            </button>
            <input
              ref={fileInput}
              type="file"
              accept="application/json,.json"
              hidden
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void importJourney(file, notify);
                e.target.value = '';
              }}
            />
          </>
        )}
      </span>

      <NotificationsBell />
      <HelpPopover open={helpOpen} onToggle={onHelp} />
      {settingsOpen && <JourneySettingsPanel onClose={() => setSettingsOpen(false)} notify={notify} />}
      {testing && belowToolbar(<TestRunPanel onClose={() => setTesting(false)} />)}
      {publishing && (
        <PublishDialog
          occupied={publishing.occupied}
          goingLive={publishing.goingLive}
          onCancel={() => setPublishing(null)}
          onPublish={(options) => {
            setPublishing(null);
            void publish(options, notify).then(refreshReview);
          }}
        />
      )}
    </header>
  );
}
