import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { parse } from 'csv-parse/sync';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { DomainError } from '../../platform/errors/index.js';
import { JobName, type JobPayloads, QueueName } from '../../platform/queue/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { TopicsService } from '../consent/index.js';
import { AttributesService, CONTACT_FIELDS } from '../contacts/index.js';
import { type ColumnMapping, detectDelimiter, detectEncoding, suggestMapping } from './csv-format.js';
import { ImportStorage } from './import-storage.js';
import { type ImportConsent, type ImportRow, type ImportView, toImportView } from './import.types.js';

/** The one-value contact fields a column can map to (lists and custom attributes have their own mappings). */
const SCALAR_FIELDS = new Set<string>(CONTACT_FIELDS.filter((f) => f !== 'identifiers' && f !== 'conditions' && f !== 'attributes'));

/** Owns imports, import_chunks and import_errors: upload, format detection, mapping, start, progress and the error report. */
@Injectable()
export class ImportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Imports) private readonly queue: Queue<JobPayloads[JobName.ImportsRun]>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: ImportStorage,
    private readonly attributes: AttributesService,
    private readonly topics: TopicsService,
    private readonly audit: AuditService,
  ) {}

  /** Streams an upload into encrypted storage, then detects encoding, delimiter and headers. */
  async upload(fileName: string, body: AsyncIterable<Buffer | string>, actor: AuditActor): Promise<ImportView> {
    const [{ id }] = await this.dataSource.query<[{ id: string }]>(
      `INSERT INTO imports (status, file_name, created_by) VALUES ('uploading', $1, $2) RETURNING id::text AS id`,
      [fileName.slice(0, 200) || 'upload.csv', actor.id ?? null],
    );
    try {
      const { bytes, sha256, head } = await this.storage.write(id, body, this.config.IMPORT_MAX_BYTES);
      if (bytes === 0) throw new DomainError('import_empty', 'The file is empty', 400, [{ field: 'file', message: 'empty' }]);
      const { encoding, bomLength } = detectEncoding(head);
      const text = new TextDecoder(encoding).decode(head.subarray(bomLength));
      const delimiter = detectDelimiter(text);
      const headers = this.headersOf(text, delimiter);
      await this.dataSource.query(
        `UPDATE imports SET status = 'uploaded', bytes = $2, sha256 = $3, encoding = $4, delimiter = $5, headers = $6, mapping = $7, updated_at = now() WHERE id = $1`,
        [id, bytes, sha256, encoding, delimiter, headers, JSON.stringify(suggestMapping(headers, await this.attributes.list()))],
      );
      await this.audit.record({
        actor,
        action: 'import.uploaded',
        subject: { type: 'import', id },
        details: { bytes, sha256, encoding, delimiter, columns: headers.length },
      });
    } catch (err) {
      await this.storage.remove(id);
      await this.dataSource.query(`UPDATE imports SET status = 'failed', error = $2, updated_at = now() WHERE id = $1`, [
        id,
        err instanceof DomainError ? err.message : 'upload failed',
      ]);
      throw err;
    }
    return this.get(id);
  }

  async get(id: string): Promise<ImportView> {
    return toImportView(await this.row(id));
  }

  async list(page: { offset: number; limit: number }) {
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM imports`);
    const rows = await this.dataSource.query<ImportRow[]>(`SELECT * FROM imports ORDER BY id DESC OFFSET $1 LIMIT $2`, [page.offset, page.limit]);
    return { data: rows.map((r) => toImportView(r)), total };
  }

  /** The first rows as uploaded, for checking the mapping. They are PHI: the preview is audited. */
  async preview(id: string, actor: AuditActor, rows = 5): Promise<{ headers: string[]; rows: string[][] }> {
    const job = await this.row(id);
    const head = await this.storage.head(id);
    if (!head.length) throw new DomainError('import_no_data', 'The upload is no longer stored', 410);
    const { encoding, bomLength } = detectEncoding(head);
    const text = new TextDecoder(encoding).decode(head.subarray(bomLength));
    const records = this.records(text, job.delimiter ?? ',');
    await this.audit.record({ actor, action: 'phi.previewed', subject: { type: 'import', id }, details: { rows: Math.min(rows, records.length - 1) } });
    return { headers: job.headers, rows: records.slice(1, rows + 1) };
  }

  async configure(
    id: string,
    input: { mapping: Record<string, ColumnMapping>; onExisting: 'update' | 'skip'; consent: ImportConsent },
    actor: AuditActor,
  ): Promise<ImportView> {
    const job = await this.row(id);
    if (!['uploaded', 'validated', 'failed'].includes(job.status))
      throw new DomainError('import_state', `The import is ${job.status}: it can no longer be configured`, 409);
    const problems = await this.checkMapping(job.headers, input.mapping);
    const topic = await this.topics.byKey(input.consent.topic).catch(() => null);
    if (!topic) problems.push({ field: 'consent.topic', message: 'no such topic' });
    else if (topic.archivedAt) problems.push({ field: 'consent.topic', message: 'the topic is archived' });
    if (!input.consent.attestation.trim()) problems.push({ field: 'consent.attestation', message: 'required' });
    if (problems.length) throw new DomainError('import_mapping', problems.map((p) => `${p.field}: ${p.message}`).join('; '), 400, problems);
    const consent = { ...input.consent, attestedBy: actor.id ?? 'unknown', attestedAt: new Date().toISOString() };
    await this.dataSource.query(`UPDATE imports SET mapping = $2, on_existing = $3, consent = $4, updated_at = now() WHERE id = $1`, [
      id,
      JSON.stringify(input.mapping),
      input.onExisting,
      JSON.stringify(consent),
    ]);
    await this.audit.record({
      actor,
      action: 'import.configured',
      subject: { type: 'import', id },
      details: { topic: input.consent.topic, basis: input.consent.basis, onExisting: input.onExisting },
    });
    return this.get(id);
  }

  /** Queues the dry run (validate only) or the real import; both start from the first row. */
  async start(id: string, dryRun: boolean, actor: AuditActor, options: { enqueue: boolean } = { enqueue: true }): Promise<ImportView> {
    const job = await this.row(id);
    if (!['uploaded', 'validated', 'failed'].includes(job.status)) throw new DomainError('import_state', `The import is ${job.status}`, 409);
    if (!job.consent || !job.mapping) throw new DomainError('import_not_configured', 'Set the column mapping and the consent attestation first', 409);
    const resume = job.status === 'failed' && !job.dry_run && !dryRun && job.checkpoint_row > 0;
    await this.dataSource.transaction(async (tx) => {
      if (!resume) {
        await tx.query(`DELETE FROM import_errors WHERE import_id = $1`, [id]);
        await tx.query(
          `UPDATE imports SET created_count = 0, updated_count = 0, unchanged_count = 0, skipped_count = 0, error_count = 0, rows_done = 0, bytes_done = 0, checkpoint_row = 0, rows_total = NULL, started_at = NULL, finished_at = NULL WHERE id = $1`,
          [id],
        );
      }
      await tx.query(`UPDATE imports SET status = 'queued', dry_run = $2, error = NULL, updated_at = now() WHERE id = $1`, [id, dryRun]);
    });
    // The operator CLI runs the import in its own process instead of queueing it.
    if (options.enqueue) await this.enqueue(id);
    await this.audit.record({ actor, action: dryRun ? 'import.validation-started' : 'import.started', subject: { type: 'import', id }, details: { resume } });

    return this.get(id);
  }

  async cancel(id: string, actor: AuditActor): Promise<ImportView> {
    const job = await this.row(id);
    if (!['queued', 'running', 'uploaded', 'validated', 'failed'].includes(job.status))
      throw new DomainError('import_state', `The import is ${job.status}`, 409);
    await this.dataSource.query(`UPDATE imports SET status = 'cancelled', finished_at = now(), updated_at = now() WHERE id = $1`, [id]);
    await this.storage.remove(id);
    await this.audit.record({ actor, action: 'import.cancelled', subject: { type: 'import', id } });
    return this.get(id);
  }

  /** The row-level error report: row number, column, reason. Never a value from the file. */
  async *errorReport(id: string): AsyncGenerator<string> {
    await this.row(id);
    yield 'row,column,reason\n';
    let after = 0;
    for (;;) {
      const rows = await this.dataSource.query<
        {
          row_number: number;
          column_name: string;
          reason: string;
        }[]
      >(`SELECT row_number, column_name, reason FROM import_errors WHERE import_id = $1 AND row_number > $2 ORDER BY row_number LIMIT 5000`, [id, after]);
      if (!rows.length) return;
      // Rows with several problems: all of them are kept together by fetching whole rows per page.
      const lastRow = rows[rows.length - 1].row_number;
      const complete = rows.length === 5000 ? rows.filter((r) => r.row_number < lastRow) : rows;
      yield complete.map((r) => `${r.row_number},${csv(r.column_name)},${csv(r.reason)}\n`).join('');
      after = complete.length ? complete[complete.length - 1].row_number : lastRow;
      if (rows.length < 5000) return;
    }
  }

  async errors(id: string, page: { offset: number; limit: number }) {
    await this.row(id);
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM import_errors WHERE import_id = $1`, [id]);
    const rows = await this.dataSource.query<
      {
        row_number: number;
        column_name: string;
        reason: string;
      }[]
    >(`SELECT row_number, column_name, reason FROM import_errors WHERE import_id = $1 ORDER BY row_number, column_name OFFSET $2 LIMIT $3`, [
      id,
      page.offset,
      page.limit,
    ]);
    return { data: rows.map((r, i) => ({ id: `${r.row_number}:${page.offset + i}`, row: r.row_number, column: r.column_name, reason: r.reason })), total };
  }

  /** Imports whose worker vanished (killed, or Redis lost the job) go back on the queue. */
  async requeueStalled(olderThanMs = 120_000): Promise<number> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id::text AS id FROM imports WHERE status IN ('queued', 'running') AND updated_at < now() - ($1 || ' milliseconds')::interval`,
      [olderThanMs],
    );
    for (const r of rows) {
      const existing = await this.queue.getJob(`import-${r.id}`);
      const state = existing ? await existing.getState() : 'missing';
      if (state === 'active' || state === 'waiting' || state === 'delayed') continue;
      await existing?.remove().catch(() => undefined);
      await this.enqueue(r.id);
    }
    return rows.length;
  }

  async enqueue(id: string): Promise<void> {
    const existing = await this.queue.getJob(`import-${id}`);
    if (existing && ['completed', 'failed'].includes(await existing.getState())) await existing.remove().catch(() => undefined);
    await this.queue.add(JobName.ImportsRun, { importId: id }, { jobId: `import-${id}`, attempts: 20, backoff: { type: 'exponential', delay: 2000 } });
  }

  private async checkMapping(headers: string[], mapping: Record<string, ColumnMapping>) {
    const problems: { field: string; message: string }[] = [];
    const attributes = new Set((await this.attributes.list()).map((a) => a.key));
    const seen = new Set<string>();
    for (const [column, m] of Object.entries(mapping)) {
      const where = `mapping.${column.slice(0, 60)}`;
      if (!headers.includes(column)) problems.push({ field: where, message: 'no such column in the file' });
      else if (m.field === 'ignore' || m.field === 'condition') continue;
      else if (m.field === 'identifier') {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the mapping is the client's JSON, checked here
        if (!m.system?.trim()) problems.push({ field: where, message: 'an identifier needs its system' });
      } else if (m.field === 'attribute') {
        if (!attributes.has(m.key)) problems.push({ field: where, message: 'no such custom attribute' });
        else if (seen.has(`attribute:${m.key}`)) problems.push({ field: where, message: 'this attribute is mapped twice' });
        seen.add(`attribute:${m.key}`);
      } else if (!SCALAR_FIELDS.has(m.field)) problems.push({ field: where, message: 'unknown field' });
      else if (seen.has(m.field)) problems.push({ field: where, message: `${m.field} is mapped twice` });
      else seen.add(m.field);
    }
    if (!Object.values(mapping).some((m) => m.field === 'email')) problems.push({ field: 'mapping', message: 'one column must be mapped to email' });
    return problems;
  }

  private headersOf(text: string, delimiter: string): string[] {
    // Only the header line: a broken row further down must not stop the upload (the run reports it).
    const end = firstLineEnd(text);
    const first = this.records(end >= 0 ? text.slice(0, end + 1) : `${text}\n`, delimiter).at(0);
    const headers = (first ?? []).map((h) => h.trim());
    if (!headers.length || headers.every((h) => !h))
      throw new DomainError('import_no_header', 'The file has no header row', 400, [{ field: 'file', message: 'no header row' }]);
    const seen = new Set<string>();
    for (const h of headers) {
      if (seen.has(h))
        throw new DomainError('import_duplicate_header', 'Two columns have the same header', 400, [
          { field: 'file', message: `duplicate column header "${h.slice(0, 60)}"` },
        ]);
      seen.add(h);
    }
    return headers;
  }

  /** Parses a sample: the last record may be cut by the sample's end, so it is dropped. */
  private records(text: string, delimiter: string): string[][] {
    const cut = text.lastIndexOf('\n');
    const sample = cut > 0 ? text.slice(0, cut) : text;
    try {
      const records: unknown = parse(sample, {
        delimiter,
        relax_column_count: true,
        skip_empty_lines: true,
        relax_quotes: true,
        skip_records_with_error: true,
      });
      return records as string[][];
    } catch {
      throw new DomainError('import_unreadable', 'The start of the file is not readable as CSV', 400, [{ field: 'file', message: 'not CSV' }]);
    }
  }

  private async row(id: string): Promise<ImportRow> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('import_not_found', 'Import not found', 404);
    const [row] = await this.dataSource.query<[ImportRow?]>(`SELECT * FROM imports WHERE id = $1`, [id]);
    if (!row) throw new DomainError('import_not_found', 'Import not found', 404);
    return row;
  }
}

/** The index of the first newline that is not inside a quoted field. */
function firstLineEnd(text: string): number {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') inQuotes = !inQuotes;
    else if (text[i] === '\n' && !inQuotes) return i;
  }
  return -1;
}

function csv(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
