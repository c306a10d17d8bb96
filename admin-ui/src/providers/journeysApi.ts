import type { Identifier } from 'react-admin';

import type { ApiFieldError } from './httpClient';
import { httpClient } from './httpClient';

/** Journey calls beyond react-admin's list and show (which the data provider serves at `/journeys`). */

export type JourneyStatus = 'draft' | 'active' | 'paused' | 'archived';

/** A journey graph as the backend validates it: nodes joined by the ids in their `next`-like fields. */
export interface JourneyGraph {
  nodes: JourneyNode[];
  settings: {
    entry: { rule: 'once' | 'once_per_period' | 'always'; periodDays?: number };
    quietHours?: { start: string; end: string; timeZone: string } | null;
  };
}

/** One node; which fields it has depends on `type` (the builder edits them as loose records). */
export interface JourneyNode {
  id: string;
  type: NodeType;
  label?: string;
  [field: string]: unknown;
}

export const NODE_TYPES = ['trigger', 'send', 'wait', 'wait_until', 'wait_for_event', 'branch', 'split', 'update', 'webhook', 'goal', 'exit'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export interface JourneyRecord {
  id: string;
  name: string;
  description: string;
  status: JourneyStatus;
  currentVersion: number | null;
  triggerKind: string | null;
  triggerEventType: string | null;
  draft: JourneyGraph;
  draftChanged: boolean;
  versions: { version: number; publishedAt: string; publishedBy: string | null }[];
  enrollments: { active: number; total: number };
  createdAt: string;
  updatedAt: string;
}

export interface NodeStats {
  entered: number;
  waiting: number;
  completed: number;
  sent: number;
  opened: number;
  clicked: number;
  goalReached: number;
  exited: number;
}

export interface JourneyStats {
  nodes: Record<string, NodeStats>;
  enrollments: Record<string, number> & { total: number };
  conversions: { count: number; rate: number; byGoal: Record<string, number> };
}

const path = (id: Identifier, action = '') => `/journeys/${encodeURIComponent(String(id))}${action ? `/${action}` : ''}`;

export const journeysApi = {
  async create(name: string, description: string): Promise<{ journey: JourneyRecord; problems: ApiFieldError[] }> {
    return (await httpClient<{ journey: JourneyRecord; problems: ApiFieldError[] }>('/journeys', { method: 'POST', body: { name, description } })).body;
  },
  async save(
    id: Identifier,
    changes: { name?: string; description?: string; graph?: JourneyGraph },
  ): Promise<{ journey: JourneyRecord; problems: ApiFieldError[] }> {
    return (await httpClient<{ journey: JourneyRecord; problems: ApiFieldError[] }>(path(id), { method: 'PATCH', body: changes })).body;
  },
  async validate(graph: JourneyGraph, signal?: AbortSignal): Promise<ApiFieldError[]> {
    return (await httpClient<{ problems: ApiFieldError[] }>('/journeys/validate', { method: 'POST', body: { graph }, signal })).body.problems;
  },
  async action(id: Identifier, action: 'publish' | 'pause' | 'resume'): Promise<JourneyRecord> {
    return (await httpClient<JourneyRecord>(path(id, action), { method: 'POST' })).body;
  },
  async stats(id: Identifier, signal?: AbortSignal): Promise<JourneyStats> {
    return (await httpClient<JourneyStats>(path(id, 'stats'), { signal })).body;
  },
  async enroll(id: Identifier, contactId: string): Promise<{ enrolled: boolean; enrollmentId: string | null }> {
    return (await httpClient<{ enrolled: boolean; enrollmentId: string | null }>(path(id, 'enroll'), { method: 'POST', body: { contactId } })).body;
  },
};

/** One enrollment of a contact, with its steps (node ids, outcomes, times: no PHI). */
export interface ContactJourney {
  id: string;
  journeyId: string;
  journeyName: string;
  version: number;
  state: 'active' | 'completed' | 'exited' | 'removed' | 'failed';
  nodeId: string;
  nextWakeAt: string | null;
  exitReason: string | null;
  enteredAt: string;
  finishedAt: string | null;
  steps: { stepKey: string; nodeId: string; nodeType: string; outcome: string; deliveryId: string | null; at: string }[];
}

export async function contactJourneys(contactId: Identifier, signal?: AbortSignal): Promise<ContactJourney[]> {
  return (await httpClient<ContactJourney[]>(`/journeys/contacts/${encodeURIComponent(String(contactId))}`, { signal })).body;
}
