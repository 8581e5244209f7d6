import { beforeEach, describe, expect, it } from 'vitest';
import { isReadOnly, useSessionStore } from './sessionStore';

const session = () => useSessionStore.getState();

beforeEach(() => {
  session().reset();
});

describe('session store', () => {
  it('starts with nothing open, saved, and the socket connecting', () => {
    expect(session()).toMatchObject({
      journeyId: null,
      revision: 0,
      saveState: 'saved',
      connection: 'connecting',
      range: 'all',
      metricMode: 'counts',
    });
  });

  it('tracks saving: a change made while a save is in flight stays unsaved', () => {
    session().noteEdit();
    const sent = session().markSaving();
    session().noteEdit();

    session().markSaved(sent);

    expect(session().saveState).toBe('unsaved');
    expect(session().savedRevision).toBe(sent);
    session().markSaved(session().markSaving());
    expect(session().saveState).toBe('saved');
  });

  it('keeps a failed save failed until the next change', () => {
    session().noteEdit();
    session().markSaving();
    session().markSaveFailed('refused');
    expect(session()).toMatchObject({ saveState: 'failed', saveError: 'refused' });

    session().noteEdit();
    expect(session().saveState).toBe('unsaved');
  });

  it('renames as a change to save, but not when read-only', () => {
    session().rename('Welcome');
    expect(session()).toMatchObject({ meta: { name: 'Welcome' }, revision: 1, saveState: 'unsaved' });

    session().setCanEdit(false);
    session().rename('Nope');
    expect(session()).toMatchObject({ meta: { name: 'Welcome' }, revision: 1 });
  });

  it('starts a journey fresh but keeps what the page said about edit rights', () => {
    session().setCanEdit(false);
    session().noteEdit();
    session().setViewingVersion(2);

    session().start('7', { name: 'Onboarding', status: 'live' });

    expect(session()).toMatchObject({
      journeyId: '7',
      meta: { name: 'Onboarding', status: 'live', currentVersion: null },
      canEdit: false,
      revision: 0,
      savedRevision: 0,
      saveState: 'saved',
      viewingVersion: null,
    });
  });

  it('is read-only without edit rights, on an older version, or once archived', () => {
    const base = { canEdit: true, viewingVersion: null, meta: { name: '', status: 'draft' as const, currentVersion: null } };
    expect(isReadOnly(base)).toBe(false);
    expect(isReadOnly({ ...base, canEdit: false })).toBe(true);
    expect(isReadOnly({ ...base, viewingVersion: 1 })).toBe(true);
    expect(isReadOnly({ ...base, meta: { ...base.meta, status: 'archived' } })).toBe(true);
  });
});
