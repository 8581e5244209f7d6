import { ApiError, createApiClient, type ApiClient } from './client';
import type {
  Attribute,
  Counters,
  CustomerHistory,
  Enrollment,
  Journey,
  JourneyVersion,
  MessageTemplate,
  NodeKind,
  Page,
  TemplateDetail,
  TemplateFields,
  TemplatePreview,
  ValidationResult,
} from './types';
import type { JourneyGraph } from '../lib/journey';

export type LifecycleAction = 'pause' | 'resume' | 'close' | 'stop' | 'archive';

/** Every call the editor makes, in one place, over the shared fetch wrapper. */
export function createEditorApi(client: ApiClient) {
  const journey = (id: string, suffix = '') => `journeys/${encodeURIComponent(id)}/${suffix}`;
  return {
    nodeTypes: () => client.get<NodeKind[]>('node-types/'),
    journey: (id: string) => client.get<Journey>(journey(id)),
    saveDraft: (id: string, body: { name?: string; graph?: JourneyGraph }) => client.patch<Journey>(journey(id), body),
    validate: (id: string) => client.post<ValidationResult>(journey(id, 'validate/')),
    publish: (id: string, body: { migrate: boolean; mapping: Record<string, string> }) =>
      client.post<Journey & { moved: number; removed: number }>(journey(id, 'publish/'), body),
    transition: (id: string, action: LifecycleAction) => client.post<Journey>(journey(id, `${action}/`)),
    versions: (id: string) => client.get<JourneyVersion[]>(journey(id, 'versions/')),
    version: (id: string, number: number) => client.get<JourneyVersion>(journey(id, `versions/${number}/`)),
    exportJourney: (id: string) => client.get<Record<string, unknown>>(journey(id, 'export/')),
    importJourney: (document: unknown) => client.post<Journey>('journeys/import/', document),
    counters: (id: string) => client.get<{ nodes: Counters }>(journey(id, 'counters/')),
    enrollments: (id: string, nodeId: string, offset: number, limit: number) =>
      client.get<Page<Enrollment>>(
        journey(id, `enrollments/?node=${encodeURIComponent(nodeId)}&status=active&limit=${limit}&offset=${offset}`),
      ),
    customerHistory: (externalId: string) =>
      client.get<CustomerHistory>(`customers/${encodeURIComponent(externalId)}/journeys/`),
    eventNames: (prefix: string) =>
      optional(client.get<{ results: string[] }>(`event-names/?q=${encodeURIComponent(prefix)}`)),
    attributes: (prefix: string) =>
      optional(client.get<{ results: Attribute[] }>(`attributes/?q=${encodeURIComponent(prefix)}`)),
    templates: (channel: string) =>
      optional(client.get<Page<MessageTemplate>>(`templates/?channel=${encodeURIComponent(channel)}&limit=200`)),
    templatePreview: (id: number, customerId: string | null = null) =>
      client.post<TemplatePreview>(`templates/${id}/preview/`, { customer_id: customerId }),
    template: (id: number) => client.get<TemplateDetail>(`templates/${id}/`),
    createTemplate: (fields: TemplateFields) => client.post<TemplateDetail>('templates/', fields),
    updateTemplate: (id: number, fields: TemplateFields) => client.patch<TemplateDetail>(`templates/${id}/`, fields),
    sendTestTemplate: (id: number, to: string, customerId: string | null = null) =>
      client.post<{ sent: boolean; to: string }>(`templates/${id}/send-test/`, { to, customer_id: customerId }),
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
