/** Shapes of the Django API's answers, as the editor uses them (see docs/api.md). */
import type { JourneyGraph } from '../lib/journey';

export type FieldType =
  | 'condition'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'url'
  | 'string'
  | 'choice'
  | 'datetime'
  | 'object'
  | 'list'
  | 'json';

export type Widget = 'textarea' | 'html' | 'event_name' | 'attribute' | 'duration' | 'template';

/** One config field of a node kind, from `/api/node-types/`. */
export interface FieldSpec {
  name: string;
  type: FieldType;
  required: boolean;
  label: string;
  help: string;
  default?: unknown;
  choices?: string[];
  fields?: FieldSpec[];
  item?: FieldSpec[];
  widget?: Widget;
  channel?: string;
  /** Shown only while each named sibling field holds one of the listed values. */
  when?: Record<string, unknown[]>;
  min_value?: number;
  max_value?: number;
  max_length?: number;
  min_length?: number;
}

/** One node kind of the catalog. */
export interface NodeKind {
  kind: string;
  label: string;
  category: string;
  description: string;
  ports: string[];
  dynamic_ports: boolean;
  /** For dynamic ports: the list field whose entries' `key` name ports, and ports that follow them. */
  port_field?: string | null;
  extra_ports?: string[];
  /** Ports present only while the named boolean config field is true. */
  ports_when?: Record<string, string>;
  waits: boolean;
  config: FieldSpec[];
}

export type JourneyStatus = 'draft' | 'live' | 'paused' | 'closed' | 'stopped' | 'archived';

export interface Journey {
  id: number;
  name: string;
  description: string;
  status: JourneyStatus;
  graph: JourneyGraph;
  settings: Record<string, unknown>;
  current_version: number | null;
  entered_count: number;
  updated_at: string;
}

export interface JourneyVersion {
  number: number;
  graph: JourneyGraph;
  settings: Record<string, unknown>;
  published_by: string | null;
  published_at: string;
}

export interface ValidationIssue {
  code: string;
  message: string;
  node_id: string | null;
  field: string | null;
  edge_id: string | null;
}

export interface ValidationResult {
  ok: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/** {node_id: {metric: value}}; metrics are entered, waiting, exited, converted, errored, `passed:<port>`. */
export type Counters = Record<string, Record<string, number>>;

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface Enrollment {
  id: number;
  customer_id: string | null;
  customer_pk: number;
  version: number;
  node_id: string;
  status: string;
  due_at: string | null;
  waiting_for: string | null;
  entered_at: string;
}

export interface HistoryStep {
  node_id: string;
  port: string;
  action: string;
  reason: string;
  at: string;
}

export interface CustomerHistory {
  customer: string;
  journeys: Array<{ journey: string; journey_id: number; status: string; version: number; steps: HistoryStep[] }>;
}

export interface Attribute {
  name: string;
  type: string;
}

export interface MessageTemplate {
  id: number;
  name: string;
  channel: string;
}

/** A template as `GET /api/templates/<id>/` gives it: every channel's parts, used or not. */
export interface TemplateDetail extends MessageTemplate {
  description: string;
  subject: string;
  html: string;
  text: string;
  body: string;
  webhook_body: unknown;
}

/** The editable parts of a template, as sent to create or update one. */
export type TemplateFields = Partial<Omit<TemplateDetail, 'id'>>;

/** What `POST /api/templates/<id>/preview/` renders. */
export interface TemplatePreview {
  subject?: string;
  html?: string;
  text?: string;
  body?: string;
  title?: string;
  json?: unknown;
}
