import { EditorHeader } from './components/EditorHeader';
import { JourneyCanvas } from './components/JourneyCanvas';
import type { MountConfig } from './lib/mountConfig';

interface AppProps {
  config: MountConfig;
}

export function App({ config }: AppProps) {
  return (
    <div className="editor-shell">
      <EditorHeader journeyId={config.journeyId} />
      <main className="editor-shell__body">
        <JourneyCanvas />
      </main>
    </div>
  );
}
