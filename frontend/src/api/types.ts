/**
 * Shapes of the Django API's answers, as the editor uses them (see docs/api.md).
 *
 * The REST shapes are the ones generated from the OpenAPI schema into schema.d.ts
 * (`make api-types`; `make test` fails when that file is stale), given the names the code uses.
 * Written by hand here is only what the schema does not describe: the nesting of node config
 * fields, answers the schema leaves as free-form objects, and the metrics websocket's messages.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type FieldType = Schemas['NodeFieldTypeEnum'];

/**
 * One config field of a node kind, from `/api/node-types/`. The schema gives an object's
 * `fields` and a list's `item` as lists of free-form objects; they are fields again, nested.
 */
export type FieldSpec = Omit<Schemas['NodeField'], 'fields' | 'item'> & {
  fields?: FieldSpec[];
  item?: FieldSpec[];
};

/** One node kind of the catalog, its config fields nested as above. */
export type NodeKind = Omit<Schemas['NodeKind'], 'config'> & { config: FieldSpec[] };

/** The canvas titles of nodes sent to `/api/node-titles/`, by node id. */
export type NodeTitles = Schemas['NodeTitles'];
export type NodeTitlesRequest = Schemas['NodeTitlesRequest'];

export type JourneyStatus = Schemas['JourneyStatusEnum'];
export type Journey = Schemas['Journey'];
/** The journey after a publish, with how many customers moved or left. */
export type PublishedJourney = Schemas['PublishedJourney'];
export type PublishOptions = Schemas['Publish'];
/** A 409 from publish: why not, with the validation that failed when that was the reason. */
export type PublishConflict = Schemas['Conflict'];
export type JourneyVersion = Schemas['JourneyVersion'];
export type ValidationIssue = Schemas['ValidationIssue'];
export type ValidationResult = Schemas['ValidationResult'];
export type NodeAlert = Schemas['NodeAlert'];

export type Enrollment = Schemas['Enrollment'];
export type EnrollmentPage = Schemas['PaginatedEnrollmentList'];
/** How many customers match a condition now; `exact` false when scaled up from a sample. */
export type AudienceEstimate = Schemas['Estimate'];
export type RemovedCustomers = Schemas['Removed'];

export type Suggestions = Schemas['Suggestions'];
/** A customer attribute with the JSON type most often seen for it. */
export type Attribute = Schemas['TypedName'];
export type AttributeSuggestions = Schemas['TypedSuggestions'];

export type Channel = Schemas['ChannelEnum'];
/** A template as the templates API gives it: every channel's parts, used or not. */
export type MessageTemplate = Schemas['MessageTemplate'];
export type TemplatePage = Schemas['PaginatedMessageTemplateList'];
/** The editable parts of a template, as sent to create or update one. */
export type TemplateFields = Schemas['PatchedMessageTemplate'];
/** What `POST /api/templates/<id>/preview/` renders. */
export type TemplatePreview = Schemas['Parts'];

// Listed as a record so that a channel added to the schema is a type error here until it is.
const CHANNELS: Record<Channel, true> = { email: true, sms: true, webhook: true, in_app: true };

/** Whether a channel name (a node field names its template's channel as plain text) is one the API knows. */
export function isChannel(name: string): name is Channel {
  return Object.hasOwn(CHANNELS, name);
}

/** {node_id: {metric: value}}; metrics are entered, waiting, exited, converted, errored, `passed:<port>`. */
export type Counters = Record<string, Record<string, number>>;

/**
 * What the metrics websocket sends (canvas/consumers.py): websockets are outside the OpenAPI
 * schema. A snapshot of every node's counters in the asked range, or why a request was refused.
 */
export type MetricsMessage =
  | { type: 'snapshot'; journey: number; range: string; nodes: Counters; at: string }
  | { type: 'error'; error: string };

/** `GET /api/journeys/<id>/counters/`; the schema gives it as a free-form object. */
export interface CountersSnapshot {
  journey: number;
  nodes: Counters;
}

export interface HistoryStep {
  node_id: string;
  port: string;
  action: string;
  reason: string;
  at: string;
}

/** `GET /api/customers/<id>/journeys/`; the schema gives it as a free-form object. */
export interface CustomerHistory {
  customer: string;
  journeys: Array<{ journey: string; journey_id: number; status: string; version: number; steps: HistoryStep[] }>;
}

/** `POST /api/templates/<id>/send-test/`; the schema declares no body for it. */
export interface SendTestResult {
  sent: boolean;
  to: string;
  provider_message_id?: string | null;
}
