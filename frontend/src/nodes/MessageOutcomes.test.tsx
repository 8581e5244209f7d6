import { act } from 'react';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetEditor, useGraphStore } from '../store/graphStore';
import { useSessionStore } from '../store/sessionStore';
import { MessageOutcomes } from './MessageOutcomes';
import { nodeKind } from '../test/kinds';
import { mountHarness } from '../test/mount';

const kind = (name: string, channel?: string) => nodeKind({ kind: name, category: 'action', ...(channel ? { channel } : {}) });

describe('MessageOutcomes', () => {
  beforeEach(() => {
    resetEditor();
    useGraphStore.getState().setCatalog([kind('send_email', 'email'), kind('update_attribute')]);
  });

  const mounted = mountHarness();

  const text = (testId: string) => mounted.container().querySelector(`[data-testid="${testId}"]`)?.textContent;

  it('shows outcomes on a message node and follows the live counters', () => {
    mounted.render(<MessageOutcomes nodeId="m" kind="send_email" />);
    expect(text('outcome-sent')).toBe('0');

    act(() =>
      useSessionStore.getState().setCounters({
        m: { 'delivery:queued': 5, 'delivery:sent': 3, 'delivery:skipped': 2, 'delivery:skipped:no_consent': 2 },
      }),
    );

    expect(text('outcome-queued')).toBe('5');
    expect(text('outcome-sent')).toBe('3');
    expect(text('outcome-skipped')).toBe('2');
    expect(text('skipped-no_consent')).toBe('2 no consent');
    // The card keeps each reason row to one line; its tooltip names every reason.
    act(() =>
      useSessionStore.getState().setCounters({
        m: {
          'delivery:queued': 9,
          'delivery:skipped': 5,
          'delivery:skipped:no_consent': 3,
          'delivery:skipped:capped': 2,
          'delivery:held:rate_limit': 4,
        },
      }),
    );
    const rows = mounted.container().querySelectorAll('.message-outcomes__why');
    expect(rows[0]?.getAttribute('title')).toBe('Not sent on purpose: no consent 3, frequency cap 2');
    expect(rows[1]?.getAttribute('title')).toBe('Held back before sending: rate limit 4');
    expect(text('skipped-no_consent')).toBe('3 no consent');
    // A narrow card may cut the chip; its tooltip keeps the whole reason.
    expect(mounted.container().querySelector('[data-testid="skipped-no_consent"]')?.getAttribute('title')).toBe('no consent: 3');
    expect(mounted.container().querySelector('[data-testid="skipped-capped"]')).toBeNull();
    // "+1 more" (reasons), not "+1" (which read as one more customer); the tooltip counts each.
    expect(text('skipped-more')).toBe('+1 more');
    expect(mounted.container().querySelector('[data-testid="skipped-more"]')?.getAttribute('title')).toBe('1 more reason: frequency cap 2');
    expect(text('held-rate_limit')).toBe('4 rate limit');
    expect(mounted.container().querySelector('[data-testid="held-more"]')).toBeNull();
    act(() =>
      useSessionStore.getState().setCounters({
        m: { 'delivery:queued': 5, 'delivery:sent': 3, 'delivery:skipped': 2, 'delivery:skipped:no_consent': 2 },
      }),
    );
    expect(mounted.container().querySelector('[data-testid="skipped-no_address"]')).toBeNull();
  });

  it('draws nothing on a node that sends no message', () => {
    mounted.render(<MessageOutcomes nodeId="u" kind="update_attribute" />);
    expect(mounted.container().querySelector('[data-testid="message-outcomes"]')).toBeNull();
  });
});
