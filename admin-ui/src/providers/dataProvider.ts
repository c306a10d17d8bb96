import type {
  CreateParams,
  CreateResult,
  DataProvider,
  DeleteParams,
  DeleteResult,
  GetListParams,
  GetListResult,
  GetManyParams,
  GetManyReferenceParams,
  GetManyReferenceResult,
  GetManyResult,
  GetOneParams,
  GetOneResult,
  Identifier,
  RaRecord,
  UpdateParams,
  UpdateResult,
} from 'react-admin';

import { API_PREFIX, httpClient } from './httpClient';

/** `GET /api/v1/dashboard`. */
export interface DashboardSummary {
  counts: {
    users: number;
    contacts: number;
    campaigns: number;
    journeys: number;
    auditEvents: number;
  };
  processes: ProcessStatus[];
  queues: QueueStatus[];
  version: string;
}

export interface ProcessStatus {
  role: 'api' | 'worker' | 'scheduler';
  host: string;
  pid: number;
  lastSeenAt: string;
  alive: boolean;
}

export interface QueueStatus {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export type Role = 'admin' | 'marketer' | 'compliance_officer' | 'analyst';

/** `GET /api/v1/users/:id`. */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  mfaEnrolled: boolean;
  locked: boolean;
  lockedUntil: string | null;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

/** `POST /api/v1/users` answers the new user and, this once, its temporary password. */
export interface InvitedUser extends UserRecord {
  temporaryPassword: string;
}

export type UserAction = 'unlock' | 'reset-mfa' | 'revoke-sessions';

/** `GET /api/v1/api-keys`. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/** `POST /api/v1/api-keys` answers the new key and, this once, its secret. */
export interface CreatedApiKey extends ApiKeyRecord {
  key: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** `GET /api/v1/audit-events`. */
export interface AuditEventRecord {
  id: number;
  occurredAt: string;
  actorType: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  hash: string;
}

/** The filters `GET /api/v1/audit-events` and its CSV export take. */
export interface AuditFilter {
  actorId?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
}

/** `GET /api/v1/audit-events/verify`. */
export interface ChainVerification {
  valid: boolean;
  rowsChecked: number;
  headId: number | null;
  headHash: string | null;
  problems: { id: number; kind: string; message: string }[];
  checkedAt: string;
}

export type KeyPurpose = 'phi' | 'secrets';

/** `GET /api/v1/key-rotations`. */
export interface KeyRotationRecord {
  id: number;
  purpose: KeyPurpose;
  toKeyId: number;
  status: 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  percent: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * Calls outside react-admin's CRUD vocabulary. Through `useDataProvider`, a 401/403 resolves
 * with `{ data: {} }` once the auth provider has handled it, so callers check the shape.
 */
export interface HipaaDataProvider extends DataProvider {
  getDashboard(params?: { signal?: AbortSignal }): Promise<{ data: DashboardSummary }>;
  /** `POST /users/:id/unlock`, `/reset-mfa`, `/revoke-sessions`. */
  userAction(id: Identifier, action: UserAction): Promise<{ data: Partial<UserRecord> & { revoked?: number } }>;
  /** `DELETE /api-keys/:id`: the key stays listed, with status `revoked`. */
  revokeApiKey(id: Identifier): Promise<{ data: Partial<ApiKeyRecord> }>;
  verifyAuditChain(params?: { signal?: AbortSignal }): Promise<{ data: Partial<ChainVerification> }>;
}

interface ListBody<T> {
  data: T[];
  total: number;
}

/** The backend caps a page; getMany asks for ids in batches no larger than this. */
const MAX_PER_PAGE = 100;

/**
 * Resources whose list endpoint takes no `ids` filter: getMany reads them one at a time. The
 * pages that reference them (audit actors, API key creators) show a handful of distinct ids.
 */
const FETCHED_ONE_BY_ONE = new Set(['users']);

const collection = (resource: string): string => `/${encodeURIComponent(resource)}`;
const item = (resource: string, id: Identifier): string => `${collection(resource)}/${encodeURIComponent(String(id))}`;

interface ListQuery {
  page?: number;
  perPage?: number;
  sort?: string;
  order?: string;
  filter?: unknown;
}

function listQuery({ page, perPage, sort, order, filter }: ListQuery): Record<string, string | number | undefined> {
  const hasFilter = typeof filter === 'object' && filter !== null && Object.keys(filter).length > 0;
  return {
    page,
    perPage,
    sort,
    order,
    filter: hasFilter ? JSON.stringify(filter) : undefined,
  };
}

async function fetchList<T extends RaRecord>(resource: string, query: ListQuery, signal?: AbortSignal): Promise<ListBody<T>> {
  const { body } = await httpClient<ListBody<T>>(collection(resource), { query: listQuery(query), signal });
  return body;
}

/** Only the fields that differ from the record as loaded, so a PATCH never rewrites untouched data. */
function changedFields(data: Record<string, unknown>, previous: Record<string, unknown> | undefined) {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'id') continue;
    if (!previous || JSON.stringify(value) !== JSON.stringify(previous[key])) changes[key] = value;
  }
  return changes;
}

function chunks<T>(values: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < values.length; i += size) result.push(values.slice(i, i + size));
  return result;
}

/**
 * The backend's REST conventions: `GET /api/v1/<resource>?page&perPage&sort&order&filter=<json>`
 * answers `{ data, total }`; one record is `/api/v1/<resource>/<id>` (GET, PATCH, DELETE);
 * `POST /api/v1/<resource>` creates. getMany is a list filtered by `ids`.
 */
export const dataProvider: HipaaDataProvider = {
  supportAbortSignal: true,

  async getList<R extends RaRecord>(resource: string, { pagination, sort, filter, signal }: GetListParams): Promise<GetListResult<R>> {
    const { data, total } = await fetchList<R>(
      resource,
      { page: pagination?.page, perPage: pagination?.perPage, sort: sort?.field, order: sort?.order, filter },
      signal,
    );
    return { data, total };
  },

  async getOne<R extends RaRecord>(resource: string, { id, signal }: GetOneParams<R>): Promise<GetOneResult<R>> {
    const { body } = await httpClient<R>(item(resource, id), { signal });
    return { data: body };
  },

  async getMany<R extends RaRecord>(resource: string, { ids, signal }: GetManyParams<R>): Promise<GetManyResult<R>> {
    if (FETCHED_ONE_BY_ONE.has(resource)) {
      // A record that no longer exists (or was never one of these, e.g. an audit actor id) is left out.
      const settled = await Promise.allSettled(ids.map((id) => httpClient<R>(item(resource, id), { signal })));
      return { data: settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.body] : [])) };
    }
    const data: R[] = [];
    for (const batch of chunks(ids, MAX_PER_PAGE)) {
      const page = await fetchList<R>(resource, { page: 1, perPage: batch.length, filter: { ids: batch } }, signal);
      data.push(...page.data);
    }
    return { data };
  },

  async getManyReference<R extends RaRecord>(
    resource: string,
    { target, id, pagination, sort, filter, signal }: GetManyReferenceParams,
  ): Promise<GetManyReferenceResult<R>> {
    const { data, total } = await fetchList<R>(
      resource,
      {
        page: pagination.page,
        perPage: pagination.perPage,
        sort: sort.field,
        order: sort.order,
        filter: { ...filter, [target]: id },
      },
      signal,
    );
    return { data, total };
  },

  async create<R extends Omit<RaRecord, 'id'>, Result extends RaRecord = R & { id: Identifier }>(
    resource: string,
    { data }: CreateParams<R>,
  ): Promise<CreateResult<Result>> {
    const { body } = await httpClient<Result>(collection(resource), { method: 'POST', body: data });
    return { data: body };
  },

  async update<R extends RaRecord>(resource: string, { id, data, previousData }: UpdateParams<R>): Promise<UpdateResult<R>> {
    const { body } = await httpClient<R>(item(resource, id), {
      method: 'PATCH',
      body: changedFields(data, previousData),
    });
    return { data: body };
  },

  async updateMany(resource, { ids, data }) {
    // Sequential on purpose: each call writes its own audit event and may fail on its own.
    for (const id of ids) {
      await httpClient(item(resource, id), { method: 'PATCH', body: changedFields(data as Record<string, unknown>, undefined) });
    }
    return { data: ids };
  },

  async delete<R extends RaRecord>(resource: string, { id, previousData }: DeleteParams<R>): Promise<DeleteResult<R>> {
    await httpClient(item(resource, id), { method: 'DELETE' });
    // The backend answers 204; react-admin only needs the record's id back.
    return { data: previousData ?? ({ id } as R) };
  },

  async deleteMany(resource, { ids }) {
    for (const id of ids) {
      await httpClient(item(resource, id), { method: 'DELETE' });
    }
    return { data: ids };
  },

  async getDashboard({ signal } = {}) {
    const { body } = await httpClient<DashboardSummary>('/dashboard', { signal });
    return { data: body };
  },

  async userAction(id, action) {
    const { body } = await httpClient<UserRecord | { revoked: number }>(`${item('users', id)}/${action}`, { method: 'POST' });
    return { data: body };
  },

  async revokeApiKey(id) {
    const { body } = await httpClient<ApiKeyRecord>(item('api-keys', id), { method: 'DELETE' });
    return { data: body };
  },

  async verifyAuditChain({ signal } = {}) {
    const { body } = await httpClient<ChainVerification>('/audit-events/verify', { signal });
    return { data: body };
  },
};

/**
 * The CSV export of the audit log for the given filters. A plain link downloads it: the session
 * cookie is same-origin, and a GET needs no CSRF header.
 */
export function auditExportUrl(filter: AuditFilter): string {
  const query = listQuery({ filter });
  return `${API_PREFIX}/audit-events/export.csv${query.filter === undefined ? '' : `?filter=${encodeURIComponent(String(query.filter))}`}`;
}
