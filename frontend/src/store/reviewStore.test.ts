import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReviewState } from '../api/governanceApi';
import { useReviewStore, watchReview } from './reviewStore';
import { useSessionStore } from './sessionStore';
import { useSettingsStore } from './settingsStore';

const api = vi.hoisted(() => ({
  state: vi.fn(),
  notifications: vi.fn(),
  markRead: vi.fn(),
}));
vi.mock('../api/governanceApi', () => ({ governanceApi: () => api }));

const EMPTY_DIFF = { nodes: { added: [], removed: [], changed: [], moved: [] }, edges: { added: [], removed: [], changed: [] }, settings: [] };
const stateWith = (changed: string[]) =>
  ({
    approval_required: false,
    locked: false,
    diff: { ...EMPTY_DIFF, nodes: { ...EMPTY_DIFF.nodes, changed: changed.map((id) => ({ id, fields: ['config.reason'] })) } },
  }) as unknown as ReviewState;

const review = () => useReviewStore.getState();
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(async () => {
  api.state.mockReset().mockResolvedValue(stateWith([]));
  api.notifications.mockReset().mockResolvedValue({ unread: 0, results: [] });
  api.markRead.mockReset().mockResolvedValue({ marked: 0 });
  useSessionStore.getState().reset();
  useReviewStore.setState({ open: false, state: null, notifications: null });
  await review().init('19', true);
  api.state.mockClear();
});

describe('review store', () => {
  it('fetches the diff again each time the panel opens', async () => {
    api.state.mockResolvedValue(stateWith(['exit-2']));
    review().setOpen(true);
    await flush();

    expect(api.state).toHaveBeenCalledWith('19');
    expect(review().state?.diff.nodes.changed).toEqual([{ id: 'exit-2', fields: ['config.reason'] }]);

    review().setOpen(false);
    review().setOpen(true);
    await flush();
    expect(api.state).toHaveBeenCalledTimes(2);
  });

  it('fetches it again after a save while the panel is open, and not while it is closed', async () => {
    const session = useSessionStore.getState;
    session().noteEdit();
    session().markSaved(session().markSaving());
    await flush();
    expect(api.state).not.toHaveBeenCalled();

    review().setOpen(true);
    await flush();
    api.state.mockClear().mockResolvedValue(stateWith(['exit']));
    session().noteEdit();
    session().markSaved(session().markSaving());
    await flush();
    expect(api.state).toHaveBeenCalledTimes(1);
    expect(review().state?.diff.nodes.changed.map((c) => c.id)).toEqual(['exit']);

    // Saved journey settings count too.
    useSettingsStore.getState().setDraft({ goal: null });
    useSettingsStore.getState().setDraft({ goal: { event: 'Order Completed' } });
    await flush();
    expect(api.state).toHaveBeenCalledTimes(2);
  });

  it('keeps the newest answer when refreshes overlap', async () => {
    let answerOld: (s: ReviewState) => void = () => undefined;
    api.state.mockReturnValueOnce(new Promise<ReviewState>((resolve) => (answerOld = resolve)));
    api.state.mockResolvedValueOnce(stateWith(['new']));
    const older = review().refresh();
    await review().refresh();
    answerOld(stateWith(['old']));
    await older;
    expect(review().state?.diff.nodes.changed.map((c) => c.id)).toEqual(['new']);
  });
});

describe('watchReview', () => {
  it('asks again every interval while the page is visible, at once when it comes back, and stops', () => {
    vi.useFakeTimers();
    let visibility = 'visible';
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility as DocumentVisibilityState);
    api.state.mockResolvedValue({ ...stateWith([]), locked: false, publishable: true });
    const stop = watchReview(1000);

    vi.advanceTimersByTime(1000);
    expect(api.state).toHaveBeenCalledTimes(1);
    visibility = 'hidden';
    vi.advanceTimersByTime(3000);
    expect(api.state).toHaveBeenCalledTimes(1); // a hidden tab asks nothing
    visibility = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    expect(api.state).toHaveBeenCalledTimes(2);

    stop();
    vi.advanceTimersByTime(5000);
    document.dispatchEvent(new Event('visibilitychange'));
    expect(api.state).toHaveBeenCalledTimes(2);
    vi.useRealTimers();
  });
});

