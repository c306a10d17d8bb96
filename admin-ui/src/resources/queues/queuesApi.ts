import { httpClient } from '../../providers/httpClient';

/** The BullMQ queue dashboard (`/api/v1/queues`, administrators only). */

/** How often the counts and the open job list refresh while auto-refresh is on. */
export const REFRESH_MS = 5_000;

export const JOB_STATES = ['failed', 'delayed', 'waiting', 'active', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Waiting jobs held back by a pause. */
  paused: number;
}

export interface QueueSummary {
  name: string;
  isPaused: boolean;
  counts: QueueCounts;
}

/** A payload key with its identifiers; `ids` is null when the value is not an identifier and so is not shown. */
export interface JobDataField {
  key: string;
  ids: string[] | null;
  count?: number;
}

export interface JobRecord {
  id: string;
  name: string;
  state: string;
  attemptsMade: number;
  maxAttempts: number;
  createdAt: string;
  processedAt: string | null;
  finishedAt: string | null;
  runAt: string | null;
  failedReason: string | null;
  data: JobDataField[];
}

const queuePath = (name: string) => `/queues/${encodeURIComponent(name)}`;
const jobPath = (name: string, id: string) => `${queuePath(name)}/jobs/${encodeURIComponent(id)}`;

export const queuesApi = {
  async list(signal?: AbortSignal): Promise<QueueSummary[]> {
    return (await httpClient<{ data: QueueSummary[] }>('/queues', { signal })).body.data;
  },
  async jobs(name: string, state: JobState, page: number, perPage: number, signal?: AbortSignal): Promise<{ data: JobRecord[]; total: number }> {
    return (await httpClient<{ data: JobRecord[]; total: number }>(`${queuePath(name)}/jobs`, { query: { state, page, perPage }, signal })).body;
  },
  async retry(name: string, id: string): Promise<void> {
    await httpClient(`${jobPath(name, id)}/retry`, { method: 'POST', body: {} });
  },
  async remove(name: string, id: string): Promise<void> {
    await httpClient(jobPath(name, id), { method: 'DELETE' });
  },
  async setPaused(name: string, paused: boolean): Promise<QueueSummary> {
    return (await httpClient<QueueSummary>(`${queuePath(name)}/${paused ? 'pause' : 'resume'}`, { method: 'POST', body: {} })).body;
  },
};
