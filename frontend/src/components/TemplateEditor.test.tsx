import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { useSessionStore } from '../store/sessionStore';
import { inspectorHarness, setValue } from '../test/inspector';
import { nodeKind } from '../test/kinds';

const SEND_EMAIL = nodeKind({
  kind: 'send_email',
  label: 'Send email',
  category: 'action',
  config: [
    { name: 'template', type: 'integer', required: false, label: 'Template', help: '', widget: 'template', channel: 'email' },
  ],
});

const WELCOME = {
  id: 7,
  name: 'Welcome',
  channel: 'email',
  description: '',
  subject: 'Hello',
  html: '<p>Hi</p>',
  text: '',
  body: '',
  webhook_body: {},
  sent_by: [] as Array<{ id: number; name: string; status: string }>,
};

interface Call {
  method: string;
  url: string;
  body: unknown;
}

type Answer = { status: number; body: unknown };
type Route = (call: Call) => Answer | undefined;

const harness = inspectorHarness([SEND_EMAIL]);
const container = harness.container;
let calls: Call[];

/** Answers fetches from the routes, first match wins; anything unrouted is a 404. */
function mockFetch(...routes: Route[]) {
  calls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((input: string, init: RequestInit) => {
      const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      const call = { method: init.method ?? 'GET', url: input, body };
      calls.push(call);
      const answer = routes.map((route) => route(call)).find(Boolean) ?? { status: 404, body: { detail: 'Not found.' } };
      return Promise.resolve(
        new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'Content-Type': 'application/json' } }),
      );
    }),
  );
}

const route =
  (method: string, path: string, answer: Answer | ((call: Call) => Answer)): Route =>
  (call) =>
    call.method === method && call.url.includes(path) ? (typeof answer === 'function' ? answer(call) : answer) : undefined;

const listWith = (...results: unknown[]) => route('GET', '/api/templates/?channel=email', { status: 200, body: { count: results.length, results } });


async function settle() {
  // Lets the mocked fetches resolve and React apply what they set.
  for (let i = 0; i < 5; i += 1) {
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  }
}

async function show(config: Record<string, unknown>) {
  const view = harness.show('send_email', config, 'mail');
  await settle();
  // The picker calls onChange on the store; view.rerender draws the inspector again as the app would.
  return view;
}

const button = (label: string, scope: ParentNode = document) =>
  [...scope.querySelectorAll('button')].find((b) => b.textContent === label);
const dialog = () => document.querySelector<HTMLElement>('[role="dialog"][aria-label="Template"]');

const field = (name: string) => dialog()?.querySelector(`[data-template-field="${name}"] input, [data-template-field="${name}"] textarea`);

async function click(element: HTMLElement | null | undefined) {
  if (!element) throw new Error('nothing to click');
  act(() => {
    element.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
  });
  await settle();
}

describe('TemplateEditor in the inspector', () => {
  it('creates a template for the node channel and selects it', async () => {
    mockFetch(
      listWith(),
      route('POST', '/api/templates/', (call) => ({ status: 201, body: { ...WELCOME, ...(call.body as object), id: 12 } })),
      route('GET', '/api/templates/12/', { status: 200, body: { ...WELCOME, id: 12 } }),
    );
    const view = await show({});

    await click(button('New template'));
    expect(dialog()?.textContent).toContain('New email template');
    expect(dialog()?.querySelector('[data-template-field="html"]')).not.toBeNull();
    setValue(field('name'), 'Spring sale');
    setValue(field('subject'), 'Hello {{ customer.first_name }}');
    setValue(field('html'), '<p>Sale</p>');
    await click(button('Create template', dialog()!));

    const created = calls.find((c) => c.method === 'POST');
    expect(created?.body).toEqual({
      name: 'Spring sale',
      channel: 'email',
      subject: 'Hello {{ customer.first_name }}',
      html: '<p>Sale</p>',
      text: '',
    });
    expect(view.config()).toEqual({ template: 12 });
    view.rerender();
    const select = container().querySelector<HTMLSelectElement>('.template-picker select');
    expect(select?.value).toBe('12');
    expect(select?.selectedOptions[0]?.textContent).toBe('Spring sale');
  });

  it('edits the selected template and saves it with a PATCH', async () => {
    mockFetch(
      listWith(WELCOME),
      route('GET', '/api/templates/7/', { status: 200, body: WELCOME }),
      route('PATCH', '/api/templates/7/', (call) => ({ status: 200, body: { ...WELCOME, ...(call.body as object) } })),
    );
    await show({ template: 7 });

    await click(button('Edit'));
    expect((field('subject') as HTMLInputElement).value).toBe('Hello');
    setValue(field('subject'), 'Hello again');
    await click(button('Save template', dialog()!));

    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.url).toContain('/api/templates/7/');
    expect(patch?.body).toMatchObject({ name: 'Welcome', subject: 'Hello again' });
    expect(dialog()?.textContent).toContain('Saved.');

    act(() => {
      field('subject')?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(dialog()).toBeNull();
  });

  it('says which live journeys also send the template before it is changed', async () => {
    const shared = { ...WELCOME, sent_by: [{ id: 3, name: 'Abandoned basket', status: 'live' }] };
    mockFetch(listWith(shared), route('GET', '/api/templates/7/', { status: 200, body: shared }));
    await show({ template: 7 });

    await click(button('Edit'));

    expect(dialog()?.querySelector('[data-testid="template-sent-by"]')?.textContent).toBe(
      'Also sent by Abandoned basket (live): saving changes what their next messages say.',
    );
  });

  it('shows the 400 field errors under their fields and the 409 detail as a message', async () => {
    let status = 400;
    mockFetch(
      listWith(WELCOME),
      route('GET', '/api/templates/7/', { status: 200, body: WELCOME }),
      route('PATCH', '/api/templates/7/', () =>
        status === 400
          ? { status: 400, body: { subject: ['required for this channel'], detail: ['Invalid block tag: load'] } }
          : { status: 409, body: { detail: 'a live, paused or closed journey sends this template' } },
      ),
    );
    await show({ template: 7 });
    await click(button('Edit'));
    setValue(field('subject'), '');
    await click(button('Save template', dialog()!));

    expect(dialog()?.querySelector('[data-template-error="subject"]')?.textContent).toBe('required for this channel');
    expect(dialog()?.querySelector('[data-template-field="subject"] input')?.getAttribute('aria-invalid')).toBe('true');
    expect(dialog()?.querySelector('[data-testid="template-error"]')?.textContent).toBe('Invalid block tag: load');

    status = 409;
    setValue(field('subject'), 'Back');
    await click(button('Save template', dialog()!));
    expect(dialog()?.querySelector('[data-template-error="subject"]')).toBeNull();
    expect(dialog()?.querySelector('[data-testid="template-error"]')?.textContent).toBe(
      'a live, paused or closed journey sends this template',
    );
  });

  it('previews with a typed customer and sends a test, showing success and the error text', async () => {
    let sendStatus = 200;
    mockFetch(
      listWith(WELCOME),
      route('GET', '/api/templates/7/', { status: 200, body: WELCOME }),
      route('POST', '/api/templates/7/preview/', {
        status: 200,
        body: { subject: 'Hello Ada', html: '<b>Hi Ada</b>', text: 'Hi Ada', warnings: ['context.order_id is not in this preview’s data'] },
      }),
      route('POST', '/api/templates/7/send-test/', (call) =>
        sendStatus === 200
          ? { status: 200, body: { sent: true, to: (call.body as { to: string }).to, provider_message_id: 'x' } }
          : { status: 400, body: { to: ['not a valid email address'] } },
      ),
    );
    await show({ template: 7 });
    await click(button('Edit'));

    setValue(dialog()?.querySelector('.template-tryout input'), 'cust-1');
    await click(button('Preview', dialog()!));
    expect(calls.find((c) => c.url.includes('/preview/'))?.body).toEqual({ customer_id: 'cust-1' });
    const frame = dialog()?.querySelector('iframe');
    expect(frame?.getAttribute('sandbox')).toBe('');
    expect(frame?.getAttribute('srcdoc')).toBe('<b>Hi Ada</b>');
    expect(dialog()?.querySelector('b')).toBeNull();
    expect(dialog()?.querySelector('[data-testid="template-warnings"]')?.textContent).toBe('context.order_id is not in this preview’s data');

    const to = dialog()?.querySelectorAll('.template-tryout input')[1];
    setValue(to, 'qa@example.com');
    await click(button('Send test', dialog()!));
    expect(calls.find((c) => c.url.includes('/send-test/'))?.body).toEqual({ to: 'qa@example.com', customer_id: 'cust-1' });
    expect(dialog()?.querySelector('[data-testid="send-test-result"]')?.textContent).toBe('Test sent to qa@example.com.');

    sendStatus = 400;
    setValue(to, 'nobody');
    await click(button('Send test', dialog()!));
    expect(dialog()?.querySelector('[data-testid="send-test-result"]')?.textContent).toBe('to: not a valid email address');
  });

  it('lets a Reviewer read and preview a template but not create, save or send', async () => {
    mockFetch(
      listWith(WELCOME),
      route('GET', '/api/templates/7/', { status: 200, body: WELCOME }),
      route('POST', '/api/templates/7/preview/', { status: 200, body: { subject: 'Hello', text: 'Hi', warnings: [] } }),
    );
    useSessionStore.getState().setCanEdit(false);
    await show({ template: 7 });

    expect(button('New template')).toBeUndefined();
    expect(button('Edit')).toBeUndefined();
    await click(container().querySelector<HTMLElement>('.template-picker a[role="button"]'));

    expect(dialog()?.textContent).toContain('Template');
    expect((field('subject') as HTMLInputElement).value).toBe('Hello');
    expect((field('subject') as HTMLInputElement).matches(':disabled')).toBe(true);
    expect((field('html') as HTMLTextAreaElement).matches(':disabled')).toBe(true);
    expect(button('Save template', dialog()!)).toBeUndefined();
    expect(button('Send test', dialog()!)).toBeUndefined();

    await click(button('Preview', dialog()!));
    expect(dialog()?.querySelector('[data-testid="template-preview"] pre')?.textContent).toBe('Hi');
    expect(calls.some((c) => c.method === 'PATCH' || c.url.includes('send-test'))).toBe(false);
  });
});
