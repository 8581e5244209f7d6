/** Reviews, notifications: the governance endpoints the canvas calls, over the shared fetch wrapper. */
import { createApiClient, type ApiClient } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];
export type Review = Schemas['Review'];
export type ReviewComment = Schemas['Comment'];
export type NotificationList = Schemas['NotificationList'];
export type AppNotification = Schemas['Notification'];

/** What a draft changes against the live version; the schema leaves it free-form (governance/diff.py). */
export interface GraphDiff {
  nodes: {
    added: string[];
    removed: string[];
    changed: Array<{ id: string; fields: string[]; values?: Array<{ field: string; before: unknown; after: unknown }> }>;
    moved: string[];
  };
  edges: { added: string[]; removed: string[]; changed: Array<{ id: string; fields: string[] }> };
  settings: Array<{ key: string; before: unknown; after: unknown }>;
  /** Each step the diff mentions, by its label (else its kind). */
  names?: Record<string, string>;
  /** The live version compared against; null for a journey never published. */
  live_version?: number | null;
}

/** While a resubmitted draft is in review: what it changed since the round before it. */
export interface SinceEarlier {
  round: number;
  status: string;
  diff: GraphDiff;
}

export type ReviewState = Omit<Schemas['ReviewState'], 'diff' | 'since_earlier'> & {
  diff: GraphDiff;
  since_earlier: SinceEarlier | null;
};

export function createGovernanceApi(client: ApiClient) {
  const journey = (id: string, suffix: string) => `journeys/${encodeURIComponent(id)}/review/${suffix}`;
  return {
    state: (id: string) => client.get<ReviewState>(journey(id, '')),
    submit: (id: string, note: string) => client.post<Review>(journey(id, 'submit/'), { note }),
    approve: (reviewId: number, note: string) => client.post<Review>(`reviews/${reviewId}/approve/`, { note }),
    reject: (reviewId: number, note: string) => client.post<Review>(`reviews/${reviewId}/reject/`, { note }),
    withdraw: (reviewId: number) => client.post<Review>(`reviews/${reviewId}/withdraw/`),
    comment: (reviewId: number, body: string) => client.post<ReviewComment>(`reviews/${reviewId}/comments/`, { body }),
    setPolicy: (id: string, required: boolean | null) =>
      client.put<ReviewState>(journey(id, 'policy/'), { approval_required: required }),
    notifications: () => client.get<NotificationList>('notifications/'),
    markRead: () => client.post<{ marked: number }>('notifications/read/', {}),
  };
}

export type GovernanceApi = ReturnType<typeof createGovernanceApi>;

let shared: GovernanceApi | null = null;

export function governanceApi(apiBase = '/api/'): GovernanceApi {
  shared ??= createGovernanceApi(createApiClient({ baseUrl: apiBase }));
  return shared;
}
