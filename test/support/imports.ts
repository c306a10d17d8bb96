import type { ApiClient } from './api-client.js';
import { waitFor } from './backend-process.js';

export interface ImportViewBody {
  id: string;
  status: string;
  bytes: number;
  sha256: string;
  headers: string[];
  encoding: string;
  delimiter: string;
  mapping: Record<string, { field: string; [k: string]: unknown }>;
  progress: { rowsDone: number; rowsTotal: number | null; percent: number; rowsPerSecond: number | null; etaSeconds: number | null };
  counts: { created: number; updated: number; unchanged: number; skipped: number; errors: number };
  error: string | null;
}

export const ATTESTATION = 'I attest these patients gave prior express consent to receive this newsletter.';

/** Uploads raw bytes (the client's JSON helper would re-encode them). */
export async function uploadRaw(
  baseUrl: string,
  client: ApiClient,
  body: string | Buffer | ReadableStream<Uint8Array>,
  name = 'patients.csv',
): Promise<{ status: number; body: ImportViewBody }> {
  const headers: Record<string, string> = {
    'content-type': 'text/csv',
    'x-file-name': encodeURIComponent(name),
    'x-csrf-token': client.cookies.get('hm_csrf') ?? '',
  };
  headers.cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(`${baseUrl}/api/v1/imports`, { method: 'POST', headers, body, duplex: 'half' });
  return { status: res.status, body: (await res.json()) as ImportViewBody };
}

export async function configureAndRun(
  client: ApiClient,
  id: string,
  opts: { mapping?: Record<string, unknown>; onExisting?: 'update' | 'skip'; dryRun?: boolean; topic?: string } = {},
): Promise<ImportViewBody> {
  const current = await client.get<ImportViewBody>(`/api/v1/imports/${id}`);
  const configured = await client.request('PUT', `/api/v1/imports/${id}/configuration`, {
    mapping: opts.mapping ?? current.body.mapping,
    onExisting: opts.onExisting ?? 'update',
    consent: { topic: opts.topic ?? 'newsletter', basis: 'prior_express_consent', attestation: ATTESTATION },
  });
  if (configured.status !== 200) throw new Error(`configure: ${configured.status} ${JSON.stringify(configured.body)}`);
  const started = await client.post(`/api/v1/imports/${id}/${opts.dryRun ? 'validate' : 'start'}`);
  if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  return waitForImport(client, id);
}

export function waitForImport(client: ApiClient, id: string, timeoutMs = 60_000): Promise<ImportViewBody> {
  return waitFor(
    async () => {
      const res = await client.get<ImportViewBody>(`/api/v1/imports/${id}`);
      return ['completed', 'validated', 'failed', 'cancelled'].includes(res.body.status) ? res.body : undefined;
    },
    timeoutMs,
    `import ${id} to finish`,
  );
}
