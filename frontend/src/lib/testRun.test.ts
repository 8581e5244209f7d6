import { describe, expect, it } from 'vitest';
import { buildRequest, emptyForm, formatOffset, highlightCss, parseObject, visitedEdgeIds } from './testRun';

describe('buildRequest', () => {
  it('turns event rows into offsets in seconds and a made-up profile with consent', () => {
    const form = {
      ...emptyForm(),
      traits: '{"first_name": "Tess"}',
      events: [
        { event: 'Order Completed', amount: 2, unit: 'hours' as const, properties: '{"total": 50}' },
        { event: '  ', amount: 1, unit: 'days' as const, properties: '' },
      ],
      horizonDays: 3,
    };
    expect(buildRequest(form)).toEqual({
      version: 'draft',
      horizon_seconds: 3 * 86400,
      trigger_properties: {},
      events: [{ event: 'Order Completed', offset_seconds: 7200, properties: { total: 50 } }],
      profile: {
        external_id: 'test-profile',
        email: '',
        phone: '',
        traits: { first_name: 'Tess' },
        consent: { email: 'subscribed', sms: 'not_asked', in_app: 'not_asked' },
      },
    });
  });

  it('sends only the customer id for an existing customer, and the test address when typed', () => {
    const body = buildRequest({ ...emptyForm(), source: 'existing', customerId: ' ada ', sendTo: 'qa@example.com' });
    expect(body.customer_id).toBe('ada');
    expect(body.profile).toBeUndefined();
    expect(body.send_to).toBe('qa@example.com');
  });

  it('names the box whose JSON does not parse', () => {
    expect(() => buildRequest({ ...emptyForm(), traits: '{oops' })).toThrow('Traits is not valid JSON');
    expect(() => parseObject('[1]', 'Traits')).toThrow('must be a JSON object');
  });
});

describe('formatOffset', () => {
  it('shows simulated time since entry in its largest units', () => {
    expect(formatOffset(0)).toBe('start');
    expect(formatOffset(45 * 60)).toBe('+45 min');
    expect(formatOffset(7200)).toBe('+2 h');
    expect(formatOffset(3 * 86400 + 4 * 3600)).toBe('+3 d 4 h');
  });
});

describe('the path on the canvas', () => {
  const edges = [
    { id: 'e1', source: 'w', target: 'thanks', sourceHandle: 'matched' },
    { id: 'e2', source: 'w', target: 'remind', sourceHandle: 'timeout' },
    { id: 'e3', source: 't', target: 'w', sourceHandle: null },
  ];

  it('finds the edges the path went along, by port', () => {
    const result = {
      visited_edges: [
        { source: 't', port: 'next', target: 'w' },
        { source: 'w', port: 'timeout', target: 'remind' },
      ],
    };
    expect(visitedEdgeIds(result, edges)).toEqual(['e2', 'e3']);
  });

  it('quotes node ids in the style sheet so an id cannot break out of its selector', () => {
    const css = highlightCss(['a"b'], [], 'a"b');
    expect(css).toContain('[data-id="a\\"b"]');
    expect(highlightCss([], [], null)).toBe('');
  });
});
