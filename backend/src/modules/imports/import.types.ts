import type { ColumnMapping } from './csv-format.js';

export type ImportStatus = 'uploading' | 'uploaded' | 'queued' | 'running' | 'validated' | 'completed' | 'failed' | 'cancelled';

export interface ImportConsent {
  topic: string;
  /** The legal basis the uploader attests to. */
  basis: 'prior_express_consent' | 'hipaa_authorization_on_file' | 'existing_relationship_transactional';
  attestation: string;
}

export interface ImportRow {
  id: string;
  status: ImportStatus;
  dry_run: boolean;
  file_name: string;
  bytes: string;
  sha256: string | null;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  mapping: Record<string, ColumnMapping> | null;
  on_existing: 'update' | 'skip';
  consent: (ImportConsent & { attestedBy: string; attestedAt: string }) | null;
  rows_total: number | null;
  rows_done: number;
  bytes_done: string;
  created_count: number;
  updated_count: number;
  unchanged_count: number;
  skipped_count: number;
  error_count: number;
  checkpoint_row: number;
  error: string | null;
  created_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface ImportView {
  id: string;
  status: ImportStatus;
  dryRun: boolean;
  fileName: string;
  bytes: number;
  sha256: string | null;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  mapping: Record<string, ColumnMapping> | null;
  onExisting: 'update' | 'skip';
  consent: ImportRow['consent'];
  progress: {
    rowsDone: number;
    rowsTotal: number | null;
    /** Estimated from bytes read while the total is unknown. */
    rowsTotalEstimate: number | null;
    percent: number;
    rowsPerSecond: number | null;
    etaSeconds: number | null;
  };
  counts: { created: number; updated: number; unchanged: number; skipped: number; errors: number };
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export function toImportView(r: ImportRow, now = Date.now()): ImportView {
  const bytes = Number(r.bytes);
  const bytesDone = Number(r.bytes_done);
  const finished = r.status === 'completed' || r.status === 'validated';
  const estimate = r.rows_total ?? (bytesDone > 0 && r.rows_done > 0 ? Math.round((r.rows_done * bytes) / bytesDone) : null);
  const percent = finished ? 100 : bytes > 0 ? Math.min(99, Math.floor((bytesDone / bytes) * 100)) : 0;
  const elapsed = r.started_at ? ((r.finished_at?.getTime() ?? now) - r.started_at.getTime()) / 1000 : 0;
  const rate = elapsed > 0 && r.rows_done > 0 ? r.rows_done / elapsed : null;
  const eta = !finished && rate && estimate ? Math.max(0, Math.round((estimate - r.rows_done) / rate)) : finished ? 0 : null;
  return {
    id: r.id,
    status: r.status,
    dryRun: r.dry_run,
    fileName: r.file_name,
    bytes,
    sha256: r.sha256,
    encoding: r.encoding,
    delimiter: r.delimiter,
    headers: r.headers,
    mapping: r.mapping,
    onExisting: r.on_existing,
    consent: r.consent,
    progress: {
      rowsDone: r.rows_done,
      rowsTotal: r.rows_total,
      rowsTotalEstimate: estimate,
      percent,
      rowsPerSecond: rate === null ? null : Math.round(rate),
      etaSeconds: eta,
    },
    counts: { created: r.created_count, updated: r.updated_count, unchanged: r.unchanged_count, skipped: r.skipped_count, errors: r.error_count },
    error: r.error,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}
