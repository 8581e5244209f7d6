import { ApiError, createApiClient, type ApiClient } from './client';
import type {
  AttributeSuggestions,
  AudienceEstimate,
  CountersSnapshot,
  CustomerHistory,
  EnrollmentPage,
  Journey,
  JourneyVersion,
  MessageTemplate,
  NodeAlert,
  NodeKind,
  NodeTitles,
  NodeTitlesRequest,
  PublishedJourney,
  PublishOptions,
  RemovedCustomers,
  SendTestResult,
  Suggestions,
  TemplateFields,
  TemplatePage,
  TemplatePreview,
  ValidationResult,
} from './types';
import type { JourneyGraph } from '../lib/journey';
import type { TestRunResult } from '../lib/testRun';
import type { ExperimentList } from '../store/experimentsStore';

export type LifecycleAction = 'pause' | 'resume' | 'close' | 'stop' | 'archive';

/** Every call the editor makes, in one place, over the shared fetch wrapper. */
export function createEditorApi(client: ApiClient) {
  const journey = (id: string, suffix = '') => `journeys/${encodeURIComponent(id)}/${suffix}`;
  return {
    nodeTypes: () => client.get<NodeKind[]>('node-types/'),
    nodeTitles: (body: NodeTitlesRequest) => client.post<NodeTitles>('node-titles/', body),
    journey: (id: string) => client.get<Journey>(journey(id)),
    saveDraft: (id: string, body: { name?: string; graph?: JourneyGraph }) => client.patch<Journey>(journey(id), body),
    saveSettings: (id: string, settings: unknown) => client.patch<Journey>(journey(id), { settings }),
    validate: (id: string) => client.post<ValidationResult>(journey(id, 'validate/')),
    publish: (id: string, body: PublishOptions) => client.post<PublishedJourney>(journey(id, 'publish/'), body),
    transition: (id: string, action: LifecycleAction) => client.post<Journey>(journey(id, `${action}/`)),
    versions: (id: string) => client.get<JourneyVersion[]>(journey(id, 'versions/')),
    version: (id: string, number: number) => client.get<JourneyVersion>(journey(id, `versions/${number}/`)),
    exportJourney: (id: string) => client.get<Record<string, unknown>>(journey(id, 'export/')),
    importJourney: (document: unknown) => client.post<Journey>('journeys/import/', document),
    counters: (id: string) => client.get<CountersSnapshot>(journey(id, 'counters/')),
    journeyAlerts: (id: string) => optional(client.get<NodeAlert[]>(journey(id, 'alerts/'))),
    experiments: (id: string) => client.get<ExperimentList>(journey(id, 'experiments/')),
    enrollments: (id: string, nodeId: string, offset: number, limit: number) =>
      client.get<EnrollmentPage>(
        journey(id, `enrollments/?node=${encodeURIComponent(nodeId)}&status=active&limit=${limit}&offset=${offset}`),
      ),
    removeCustomers: (id: string, enrollmentIds: number[], reason: string) =>
      client.post<RemovedCustomers>(journey(id, 'remove-customers/'), { enrollment_ids: enrollmentIds, reason }),
    audienceEstimate: (condition: Record<string, unknown>) =>
      client.post<AudienceEstimate>('audience-estimate/', { condition }),
    customerHistory: (externalId: string) =>
      client.get<CustomerHistory>(`customers/${encodeURIComponent(externalId)}/journeys/`),
    eventNames: (prefix: string) =>
      optional(client.get<Suggestions>(`event-names/?q=${encodeURIComponent(prefix)}`)),
    attributes: (prefix: string) =>
      optional(client.get<AttributeSuggestions>(`attributes/?q=${encodeURIComponent(prefix)}`)),
    templates: (channel: string) =>
      optional(client.get<TemplatePage>(`templates/?channel=${encodeURIComponent(channel)}&limit=200`)),
    templatePreview: (id: number, customerId: string | null = null) =>
      client.post<TemplatePreview>(`templates/${id}/preview/`, { customer_id: customerId }),
    template: (id: number) => client.get<MessageTemplate>(`templates/${id}/`),
    createTemplate: (fields: TemplateFields) => client.post<MessageTemplate>('templates/', fields),
    updateTemplate: (id: number, fields: TemplateFields) => client.patch<MessageTemplate>(`templates/${id}/`, fields),
    testRun: (id: string, body: Record<string, unknown>) => client.post<TestRunResult>(journey(id, 'test-runs/'), body),
    sendTestTemplate: (id: number, to: string, customerId: string | null = null) =>
      client.post<SendTestResult>(`templates/${id}/send-test/`, { to, customer_id: customerId }),
  };
}

export type EditorApi = ReturnType<typeof createEditorApi>;

/**
 * Null when the endpoint does not exist on this server (404), so pickers fall back to a
 * plain text input; other failures are passed on.
 */
export async function optional<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

let shared: EditorApi | null = null;

/** The editor's API, made once per page from the mount config. */
export function editorApi(apiBase = '/api/'): EditorApi {
  shared ??= createEditorApi(createApiClient({ baseUrl: apiBase }));
  return shared;
}
