import { describe, expect, it, vi } from 'vitest';
import { resetEditor, useGraphStore } from '../store/graphStore';
import { titleKey, useTitleStore } from '../store/titleStore';
import { nodeKind } from '../test/kinds';
import { mountHarness } from '../test/mount';
import { PublishDialog } from './PublishDialog';

const kind = (name: string, label: string, category: string, channel?: string) =>
  nodeKind({ kind: name, label, category, ...(channel ? { channel } : {}) });

const CATALOG = [
  kind('event_trigger', 'Event trigger', 'trigger'),
  kind('audience_trigger', 'Audience trigger', 'trigger'),
  kind('send_email', 'Send email', 'action', 'email'),
  kind('send_sms', 'Send SMS', 'action', 'sms'),
  kind('exit', 'Exit', 'flow'),
];

const SIGNED_UP = { kind: 'event_trigger', label: '', config: { event: 'Signed Up' } };
const PRO = { kind: 'audience_trigger', label: '', config: { condition: { type: 'attribute', attribute: 'plan', op: 'eq', value: 'pro' } } };

function load(steps: Array<{ kind: string; label: string; config: Record<string, unknown> }>) {
  resetEditor();
  useGraphStore.getState().setCatalog(CATALOG);
  useGraphStore.getState().loadJourney('1', {
    nodes: steps.map((data, i) => ({ id: `n${i}`, type: 'journey', position: { x: 0, y: i * 100 }, data })),
    edges: [],
  });
}

const mounted = mountHarness();
const find = (selector: string) => mounted.container().querySelector(selector);

describe('PublishDialog', () => {
  it('says who starts entering and what goes out before a journey goes live', () => {
    useTitleStore.setState({ titles: { [titleKey(SIGNED_UP)]: 'When Signed Up', [titleKey(PRO)]: 'At publish: plan is pro' } });
    load([
      SIGNED_UP,
      PRO,
      { kind: 'send_email', label: 'Welcome', config: {} },
      { kind: 'send_email', label: 'Tips', config: {} },
      { kind: 'send_sms', label: '', config: {} },
      { kind: 'exit', label: '', config: {} },
    ]);
    mounted.render(<PublishDialog occupied={[]} goingLive onPublish={vi.fn()} onCancel={vi.fn()} />);

    expect(find('h2')?.textContent).toBe('Start this journey');
    const entries = [...mounted.container().querySelectorAll('[data-testid="go-live"] li')];
    expect(entries.map((li) => li.firstChild?.textContent)).toEqual(['When Signed Up', 'At publish: plan is pro']);
    // Only the audience that enters at publish gets a count of who would enter at once.
    expect(entries[0]!.querySelector('[data-testid="audience-estimate"]')).toBeNull();
    expect(entries[1]!.querySelector('[data-testid="audience-estimate"]')).not.toBeNull();
    expect(find('[data-testid="go-live-sends"]')?.textContent).toBe('Send email (2 steps), Send SMS (1 step)');
    expect(find('input[name="migrate"]')).toBeNull();
  });

  it('names a trigger by its kind while the server has not worded its title and it has no name', () => {
    useTitleStore.setState({ titles: {} });
    load([{ kind: 'event_trigger', label: '', config: { event: 'Signed Up' } }]);
    mounted.render(<PublishDialog occupied={[]} goingLive onPublish={vi.fn()} onCancel={vi.fn()} />);
    expect(find('[data-testid="go-live"] li')?.textContent).toBe('Event trigger');
  });

  it('counts who enters at once for an audience that also takes later matches, not for a scheduled one', () => {
    const condition = { type: 'attribute', attribute: 'plan', op: 'eq', value: 'pro' };
    load([
      { kind: 'audience_trigger', label: 'Changing', config: { condition, mode: 'on_change' } },
      { kind: 'audience_trigger', label: 'Weekly', config: { condition, mode: 'schedule' } },
    ]);
    mounted.render(<PublishDialog occupied={[]} goingLive onPublish={vi.fn()} onCancel={vi.fn()} />);
    const entries = [...mounted.container().querySelectorAll('[data-testid="go-live"] li')];
    expect(entries[0]!.querySelector('[data-testid="audience-estimate"]')).not.toBeNull();
    expect(entries[1]!.querySelector('[data-testid="audience-estimate"]')).toBeNull();
  });

  it('says so when nothing is sent', () => {
    load([SIGNED_UP, { kind: 'exit', label: '', config: {} }]);
    mounted.render(<PublishDialog occupied={[]} goingLive onPublish={vi.fn()} onCancel={vi.fn()} />);
    expect(find('[data-testid="go-live-sends"]')?.textContent).toBe('No messages: this journey has no message steps.');
  });

  it('asks only about the customers inside when a live journey gets a new version', () => {
    load([SIGNED_UP, { kind: 'send_email', label: '', config: {} }]);
    const publish = vi.fn();
    mounted.render(
      <PublishDialog occupied={[{ nodeId: 'n1', waiting: 3 }]} goingLive={false} onPublish={publish} onCancel={vi.fn()} />,
    );
    expect(find('h2')?.textContent).toBe('Publish a new version');
    expect(find('[data-testid="go-live"]')).toBeNull();
    expect(mounted.container().textContent).toContain('3 customers are inside this journey now.');
    expect(mounted.container().querySelectorAll('input[name="migrate"]')).toHaveLength(2);
  });
});
