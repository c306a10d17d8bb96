import { httpClient } from '../../providers/httpClient';

/** `GET/PUT /api/v1/retention/policy` and `/api/v1/retention/runs`: the retention policy and its disposal runs. */

export type ContactAction = 'anonymize' | 'delete';

export interface RetentionSettings {
  contactInactiveMonths: number | null;
  contactAction: ContactAction;
  messageDetailDays: number | null;
  engagementDays: number | null;
  inboundPayloadDays: number | null;
  auditDays: number;
  scheduleEnabled: boolean;
}

export interface RetentionPolicy extends RetentionSettings {
  updatedAt: string;
  updatedBy: string | null;
  /** The bounds the API enforces on each setting (the audit trail: six years at least). */
  limits: Record<LimitedSetting, { min: number; max: number }>;
}

export interface RetentionCounts {
  contacts: number;
  deliveries: number;
  testSends: number;
  webhookDeliveries: number;
  engagementEvents: number;
  engagementPartitions: number;
  inboundPayloads: number;
  auditEntries: number;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface RetentionRun {
  id: string;
  dryRun: boolean;
  trigger: 'manual' | 'schedule';
  status: RunStatus;
  policy: RetentionSettings;
  counts: RetentionCounts;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type LimitedSetting = 'contactInactiveMonths' | 'messageDetailDays' | 'engagementDays' | 'inboundPayloadDays' | 'auditDays';

export const isActive = (run: RetentionRun) => run.status === 'queued' || run.status === 'running';

export async function fetchPolicy(signal?: AbortSignal): Promise<RetentionPolicy> {
  return (await httpClient<RetentionPolicy>('/retention/policy', { signal })).body;
}

export async function savePolicy(settings: RetentionSettings): Promise<RetentionPolicy> {
  return (await httpClient<RetentionPolicy>('/retention/policy', { method: 'PUT', body: settings })).body;
}

export async function fetchRuns(signal?: AbortSignal): Promise<RetentionRun[]> {
  return (await httpClient<{ data: RetentionRun[] }>('/retention/runs', { query: { perPage: 50 }, signal })).body.data;
}

export async function startRun(dryRun: boolean): Promise<RetentionRun> {
  return (await httpClient<RetentionRun>('/retention/runs', { method: 'POST', body: { dryRun } })).body;
}

/** What a run disposed of, grouped as the policy's categories. */
export const CATEGORIES: readonly { key: string; label: string; total: (c: RetentionCounts) => number; detail?: (c: RetentionCounts) => string }[] = [
  { key: 'contacts', label: 'Inactive contacts', total: (c) => c.contacts },
  {
    key: 'messages',
    label: 'Message detail',
    total: (c) => c.deliveries + c.testSends + c.webhookDeliveries,
    detail: (c) => `${String(c.deliveries)} messages, ${String(c.testSends)} test sends, ${String(c.webhookDeliveries)} webhook deliveries`,
  },
  {
    key: 'engagement',
    label: 'Engagement events',
    total: (c) => c.engagementEvents,
    detail: (c) => `${String(c.engagementPartitions)} whole monthly partitions`,
  },
  { key: 'inbound', label: 'Inbound EHR payloads', total: (c) => c.inboundPayloads },
  { key: 'audit', label: 'Audit entries', total: (c) => c.auditEntries, detail: () => 'older than the audit period, purged behind a verifiable anchor' },
];
