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

import { httpClient } from './httpClient';

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

export interface HipaaDataProvider extends DataProvider {
  getDashboard(params?: { signal?: AbortSignal }): Promise<{ data: DashboardSummary }>;
}

interface ListBody<T> {
  data: T[];
  total: number;
}

/** The backend caps a page; getMany asks for ids in batches no larger than this. */
const MAX_PER_PAGE = 100;

const collection = (resource: string): string => `/${encodeURIComponent(resource)}`;
const item = (resource: string, id: Identifier): string =>
  `${collection(resource)}/${encodeURIComponent(String(id))}`;

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

async function fetchList<T extends RaRecord>(
  resource: string,
  query: ListQuery,
  signal?: AbortSignal,
): Promise<ListBody<T>> {
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

  async getList<R extends RaRecord>(
    resource: string,
    { pagination, sort, filter, signal }: GetListParams,
  ): Promise<GetListResult<R>> {
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
      body: changedFields(data as Record<string, unknown>, previousData as Record<string, unknown> | undefined),
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
};
