import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudienceEstimate, ESTIMATE_DEBOUNCE_MS } from './AudienceEstimate';
import { mountHarness } from '../test/mount';

const PRO = { type: 'attribute', attribute: 'plan', op: 'eq', value: 'pro' };

describe('AudienceEstimate', () => {
  let fetchMock: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    vi.stubGlobal('IS_REACT_ACT_ENVIRONMENT', true);
    vi.useFakeTimers();
    fetchMock = vi.fn(() =>
      Promise.resolve(
        new Response(JSON.stringify({ count: 1_234_567, exact: false, sampled: 20000 }), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
      ),
    );
    vi.stubGlobal('fetch', fetchMock);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  // After the hooks above, so each test's root is unmounted before the globals are restored.
  const mounted = mountHarness();

  const text = () => mounted.container().querySelector('[data-testid="audience-estimate"]')?.textContent ?? null;

  it('asks once, after the edits stop, and says an estimate is one', async () => {
    for (const value of ['p', 'pr', 'pro']) {
      mounted.render(<AudienceEstimate condition={{ ...PRO, value }} />);
      await act(async () => {
        await vi.advanceTimersByTimeAsync(ESTIMATE_DEBOUNCE_MS / 2);
      });
    }
    expect(fetchMock).not.toHaveBeenCalled();
    expect(text()).toBe('Counting customers…');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(ESTIMATE_DEBOUNCE_MS);
    });

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/audience-estimate/');
    expect(JSON.parse(init.body as string)).toEqual({ condition: PRO });
    expect(text()).toBe('about 1.2 M customers match now (estimate from a sample)');
  });

  it('asks nothing for an empty condition and says to add one', async () => {
    // A new condition step's branch starts as an empty group; it used to say "Counting customers…" for good.
    for (const condition of [{}, { all: [] }, { any: [{ all: [] }] }, undefined]) {
      mounted.render(<AudienceEstimate condition={condition} />);
      await act(async () => {
        await vi.advanceTimersByTimeAsync(ESTIMATE_DEBOUNCE_MS * 2);
      });
      expect(text()).toBe('Add a condition to see how many match.');
    }
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('asks nothing until a new leaf is complete, then counts', async () => {
    // "+ Prediction" adds a leaf without a prediction: the server would answer 400.
    const leaf = { type: 'prediction', op: 'gte', value: 0.7 };
    mounted.render(<AudienceEstimate condition={{ all: [leaf] }} />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(ESTIMATE_DEBOUNCE_MS * 2);
    });
    expect(fetchMock).not.toHaveBeenCalled();
    expect(text()).toBe('Finish the condition to see how many match.');

    mounted.render(<AudienceEstimate condition={{ all: [{ ...leaf, prediction: 1 }] }} />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(ESTIMATE_DEBOUNCE_MS * 2);
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(text()).toBe('about 1.2 M customers match now (estimate from a sample)');
  });

  it('asks to finish a condition the server still refuses', async () => {
    fetchMock.mockResolvedValue(
      new Response(JSON.stringify({ condition: ['bad'] }), { status: 400, headers: { 'Content-Type': 'application/json' } }),
    );
    mounted.render(<AudienceEstimate condition={{ ...PRO, op: 'gt', value: { nested: true } }} />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(ESTIMATE_DEBOUNCE_MS * 2);
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(text()).toBe('Finish the condition to see how many match.');
  });
});
