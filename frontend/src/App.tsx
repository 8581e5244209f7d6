import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { editorApi } from './api/editorApi';
import { Inspector } from './components/Inspector';
import { JourneyCanvas } from './components/JourneyCanvas';
import { Palette } from './components/Palette';
import { ProblemsPanel } from './components/ProblemsPanel';
import { ReviewPanel } from './components/ReviewPanel';
import { Toolbar } from './components/Toolbar';
import type { MountConfig } from './lib/mountConfig';
import { loadEditor, type Notify } from './store/actions';
import { useAutosave } from './hooks/useAutosave';
import { useNodeTitles } from './hooks/useNodeTitles';
import { useMetricsSocket } from './hooks/useMetricsSocket';
import { useShortcuts } from './hooks/useShortcuts';
import { useGraphStore } from './store/graphStore';
import { useSessionStore } from './store/sessionStore';
import { useReviewStore, watchReview } from './store/reviewStore';

interface AppProps {
  config: MountConfig;
  /** Tests render the shell without talking to a server. */
  offline?: boolean;
}

export function App(props: AppProps) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  );
}

function Editor({ config, offline = false }: AppProps) {
  editorApi(config.apiBase);
  const [loaded, setLoaded] = useState(offline);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'error' } | null>(null);
  const selected = useGraphStore(useShallow((s) => s.nodes.filter((n) => n.selected)));
  const viewingVersion = useSessionStore((s) => s.viewingVersion);

  const notify: Notify = useCallback((text, tone = 'info') => setNotice({ text, tone }), []);
  const toggleHelp = useCallback(() => setHelpOpen((open) => !open), []);
  const closeHelp = useCallback(() => setHelpOpen(false), []);

  useEffect(() => {
    useSessionStore.getState().setCanEdit(config.canEdit);
    if (offline || !config.journeyId) return;
    loadEditor(config.journeyId)
      .then(() => setLoaded(true))
      // Governance: the review state (and the lock on a draft in review) once the journey is in.
      .then(() => useReviewStore.getState().init(config.journeyId as string, config.canEdit))
      .catch((error: unknown) => setLoadError(error instanceof Error ? error.message : String(error)));
  }, [config.journeyId, config.canEdit, offline]);

  useEffect(() => {
    if (!loaded || offline) return;
    return watchReview();
  }, [loaded, offline]);

  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), notice.tone === 'error' ? 8000 : 4000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  useAutosave();
  useNodeTitles(loaded && !offline);
  useMetricsSocket(offline ? null : config.journeyId);
  useShortcuts(toggleHelp, closeHelp);

  if (!config.journeyId && !offline) {
    return <p className="editor-error">No journey to edit: open one from the journey list.</p>;
  }
  if (loadError) {
    return (
      <p className="editor-error" role="alert">
        The journey could not be loaded: {loadError}
      </p>
    );
  }

  return (
    <div className="editor-shell" data-ready={ready ? 'true' : 'false'}>
      <Toolbar notify={notify} helpOpen={helpOpen} onHelp={setHelpOpen} />
      {viewingVersion !== null && (
        <p className="version-banner">
          Viewing published version {viewingVersion}, read-only. Choose “Draft” in the version list to edit.
        </p>
      )}
      <div className="editor-shell__body">
        <Palette />
        <main className="editor-shell__canvas">
          <JourneyCanvas loaded={loaded} onReady={setReady} />
        </main>
        <div className="sidebar">
          {selected.length === 1 && selected[0] ? (
            <Inspector key={selected[0].id} node={selected[0]} />
          ) : (
            <>
              {selected.length > 1 && <p className="muted">{selected.length} steps selected.</p>}
              <ProblemsPanel />
            </>
          )}
        </div>
        <ReviewPanel />
      </div>
      {notice && (
        <div className={`toast toast--${notice.tone}`} role="status" onClick={() => setNotice(null)}>
          {notice.text}
        </div>
      )}
    </div>
  );
}
