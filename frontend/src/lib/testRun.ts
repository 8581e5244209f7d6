/**
 * Test runs (POST /api/journeys/<id>/test-runs/): the request the panel builds, the path the
 * server returns, and pure helpers to show it. The answer is a free-form object in the OpenAPI
 * schema, so its shape is written here, next to the code that reads it.
 */

export type ConsentChoice = 'subscribed' | 'unsubscribed' | 'not_asked';
export const CONSENT_CHANNELS = ['email', 'sms', 'in_app'] as const;

export const UNIT_SECONDS = { minutes: 60, hours: 3600, days: 86400 } as const;
export type TimeUnit = keyof typeof UNIT_SECONDS;

export interface EventRow {
  event: string;
  amount: number;
  unit: TimeUnit;
  properties: string; // JSON typed by the marketer; empty means {}
}

export interface TestRunForm {
  version: 'draft' | 'live';
  source: 'made_up' | 'existing';
  customerId: string;
  externalId: string;
  email: string;
  phone: string;
  traits: string; // JSON object
  consent: Record<string, ConsentChoice>;
  triggerProperties: string; // JSON object
  events: EventRow[];
  horizonDays: number;
  sendTo: string;
}

export interface TestRunMessage {
  node_id: string;
  channel: string;
  to: string;
  would_send: boolean;
  skip_reason: string;
  error: string;
  parts: Record<string, unknown>;
  test_send?: string;
}

export interface AttributeChange {
  attribute: string;
  operation: string;
  before: unknown;
  after: unknown;
}

export interface TestRunStep {
  at: string;
  offset_seconds: number;
  node_id: string;
  kind: string;
  label: string;
  action: string;
  port: string;
  reason: string;
  messages: TestRunMessage[];
  attribute_changes: AttributeChange[];
}

export interface TestRunEvent {
  name: string;
  offset_seconds: number;
  node_id: string;
  effect: string;
}

export interface TestRunResult {
  status: 'exited' | 'errored' | 'waiting' | 'step_limit';
  node_id: string;
  exit_reason: string;
  next_due_at: string | null;
  waiting_for: string;
  started_at: string;
  ended_at: string;
  steps: TestRunStep[];
  events: TestRunEvent[];
  attributes: Record<string, unknown>;
  visited_nodes: string[];
  visited_edges: Array<{ source: string; port: string; target: string }>;
}

export function emptyForm(): TestRunForm {
  return {
    version: 'draft',
    source: 'made_up',
    customerId: '',
    externalId: 'test-profile',
    email: '',
    phone: '',
    traits: '{}',
    consent: { email: 'subscribed', sms: 'not_asked', in_app: 'not_asked' },
    triggerProperties: '{}',
    events: [],
    horizonDays: 30,
    sendTo: '',
  };
}

/** A JSON object typed in a text box; throws an Error naming the box when it is not one. */
export function parseObject(text: string, what: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} must be a JSON object, like {"plan": "pro"}`);
  }
  return value as Record<string, unknown>;
}

/** The request body for the form; throws an Error for the first box that does not parse. */
export function buildRequest(form: TestRunForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    version: form.version,
    horizon_seconds: Math.max(1, Math.round(form.horizonDays * 86400)),
    trigger_properties: parseObject(form.triggerProperties, 'Trigger properties'),
    events: form.events
      .filter((row) => row.event.trim())
      .map((row, index) => ({
        event: row.event.trim(),
        offset_seconds: Math.max(0, Math.round(row.amount * UNIT_SECONDS[row.unit])),
        properties: parseObject(row.properties, `Properties of event ${index + 1}`),
      })),
  };
  if (form.source === 'existing') {
    body.customer_id = form.customerId.trim();
  } else {
    body.profile = {
      external_id: form.externalId.trim() || 'test-profile',
      email: form.email.trim(),
      phone: form.phone.trim(),
      traits: parseObject(form.traits, 'Traits'),
      consent: form.consent,
    };
  }
  if (form.sendTo.trim()) body.send_to = form.sendTo.trim();
  return body;
}

/** Simulated time since entry, short: "start", "+45 min", "+2 h", "+3 d 4 h". */
export function formatOffset(seconds: number): string {
  if (seconds <= 0) return 'start';
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return hours > 0 ? `+${days} d ${hours} h` : `+${days} d`;
  if (hours > 0) return minutes > 0 ? `+${hours} h ${minutes} min` : `+${hours} h`;
  if (minutes > 0) return `+${minutes} min`;
  return `+${seconds} s`;
}

export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '(not set)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface EdgeLike {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
}

/** Ids of the canvas edges the path went along (an edge without a handle leaves the node's only port). */
export function visitedEdgeIds(result: Pick<TestRunResult, 'visited_edges'>, edges: readonly EdgeLike[]): string[] {
  return edges
    .filter((edge) =>
      result.visited_edges.some(
        (v) => v.source === edge.source && v.target === edge.target && (edge.sourceHandle ? edge.sourceHandle === v.port : true),
      ),
    )
    .map((edge) => edge.id);
}

function attributeValue(id: string): string {
  return `"${id.replace(/["\\]/g, '\\$&').replace(/[\n\r\f]/g, '')}"`;
}

/**
 * A style sheet that marks the path on the canvas: React Flow gives every node and edge a
 * data-id, so the path is drawn without touching the node components.
 */
export function highlightCss(nodeIds: readonly string[], edgeIds: readonly string[], current: string | null): string {
  const rules: string[] = [];
  if (nodeIds.length) {
    rules.push(
      `${nodeIds.map((id) => `.react-flow__node[data-id=${attributeValue(id)}] .journey-node`).join(',\n')} { box-shadow: 0 0 0 3px var(--test-run-path, #8250df); }`,
    );
  }
  if (edgeIds.length) {
    rules.push(
      `${edgeIds.map((id) => `.react-flow__edge[data-id=${attributeValue(id)}] .react-flow__edge-path`).join(',\n')} { stroke: var(--test-run-path, #8250df); stroke-width: 3; }`,
    );
  }
  if (current) {
    rules.push(
      `.react-flow__node[data-id=${attributeValue(current)}] .journey-node { box-shadow: 0 0 0 5px var(--test-run-current, #bf3989); }`,
    );
  }
  return rules.join('\n');
}
