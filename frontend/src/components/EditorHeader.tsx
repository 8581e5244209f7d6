interface EditorHeaderProps {
  journeyId: string | null;
}

export function EditorHeader({ journeyId }: EditorHeaderProps) {
  return (
    <header className="editor-header">
      <h1>Journey editor</h1>
      <span className="editor-header__meta">{journeyId ? `Journey #${journeyId}` : 'New journey'}</span>
    </header>
  );
}
