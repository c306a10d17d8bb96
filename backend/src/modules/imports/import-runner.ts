import { nextIds } from '../../platform/database/index.js';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/index.js';
import { AttributesService, ContactsService, type PreparedBatch, tokenOf, uniqueKeysOf, type WriteItem, type WriteResult } from '../contacts/index.js';

import { CryptoService } from '../crypto/index.js';
import type { SupportedEncoding } from './csv-format.js';
import { ImportStorage } from './import-storage.js';
import { type CsvBroken, listSink, readBatches, type RowBatch, type RowError } from './import-batches.js';
import { RowMapper } from './import-rows.js';
import { PrepareThread } from './prepare-thread.js';
import type { ImportRow } from './import.types.js';

const BATCH = 2000;

/** A batch as read from the file: its valid rows as they are (dry run) or prepared (import). */
type ReadBatch = RowBatch<WriteItem[] | PreparedBatch>;

/** A batch's transaction rolls back because an earlier batch ended the import (cancelled). */
class ImportStopped extends Error {}

/**
 * Runs an import (or its dry run): stream the encrypted upload, decode, parse, map, validate,
 * write in batches. Each batch commits with its error rows, the counters and the checkpoint,
 * so a killed worker resumes after the last committed row and nothing is written twice.
 */
@Injectable()
export class ImportRunner {
  private readonly logger = new Logger(ImportRunner.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: ImportStorage,
    private readonly contacts: ContactsService,
    private readonly attributes: AttributesService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  /** Returns false when another runner holds the import (it is running elsewhere). */
  async run(importId: string, onProgress?: (row: ImportRow) => void): Promise<boolean> {
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = (await lock.query(`SELECT pg_try_advisory_lock(727100, $1::int) AS locked`, [Number(importId) % 2_000_000_000])) as [
        { locked: boolean },
      ];
      if (!locked) return false;
      try {
        await this.execute(importId, onProgress);
      } finally {
        await lock.query(`SELECT pg_advisory_unlock(727100, $1::int)`, [Number(importId) % 2_000_000_000]);
      }
      return true;
    } finally {
      await lock.release();
    }
  }

  private async execute(importId: string, onProgress?: (row: ImportRow) => void): Promise<void> {
    let job = await this.load(importId);
    if (!job || !['queued', 'running'].includes(job.status)) return;
    if (!job.mapping) return this.fail(importId, 'no column mapping');
    await this.dataSource.query(`UPDATE imports SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1`, [
      importId,
    ]);
    job = await this.load(importId);
    if (!job?.mapping) throw new Error(`import ${importId} disappeared or lost its mapping while starting`);
    const definitions = await this.attributes.definitions();
    const mapper = new RowMapper(job.headers, job.mapping);
    const actor = { type: 'user' as const, id: job.created_by };
    const consent = job.consent
      ? { topic: job.consent.topic, status: 'confirmed' as const, method: 'import_attestation' as const, source: `import:${importId}` }
      : undefined;
    const seenInDryRun = new Set<string>();
    // Whether the last batch written held only new contacts: then the next is tried as all new too.
    let expectNew = true;
    let lastRow = job.checkpoint_row;

    // A batch commits only after the one before it (`prior`), so the checkpoint always marks a
    // committed prefix of the file; it returns whether the import is still running.
    const write = async (rows: ReadBatch, prior: Promise<boolean>): Promise<boolean> => {
      const prepared = Array.isArray(rows.contacts) ? null : rows.contacts;
      const afterPrior = async (tx: EntityManager, results: WriteResult[]) => {
        if (!(await prior)) throw new ImportStopped();
        await this.commitBatch(tx, importId, results, rows.errors, rows.lastRow, rows.bytes, mapper);
      };
      try {
        if (job.dry_run) {
          if (!(await prior)) return false;
          await this.commitDryRun(importId, Array.isArray(rows.contacts) ? rows.contacts : [], rows.errors, rows.lastRow, rows.bytes, seenInDryRun);
        } else if (prepared?.prepared.length || prepared?.results.length)
          expectNew = (await this.contacts.writeAll(prepared, job.on_existing, actor, consent, { importId, expectNew, after: afterPrior })).every(
            (r) => r.status === 'created',
          );
        else await this.dataSource.transaction((tx) => afterPrior(tx, []));
      } catch (err) {
        if (err instanceof ImportStopped) return false;
        throw err;
      }
      const current = await this.load(importId);
      if (current && onProgress) onProgress(current);
      return current?.status === 'running';
    };
    // Pipelined: later batches are parsed, validated, tokenised and sealed (in the worker thread)
    // while batch N is written, and when two batches touch different contacts the next one is
    // written by a second transaction meanwhile (the commits still come in file order).
    let inflight: Promise<boolean> | null = null;
    let inflightKeys: Set<string> | null = null;
    let beforeInflight: Promise<boolean> | null = null;
    const flush = async (rows: ReadBatch): Promise<boolean> => {
      if (beforeInflight && !(await beforeInflight)) return false;
      const keys = Array.isArray(rows.contacts) ? new Set<string>() : uniqueKeysOf(rows.contacts);
      const previous: Promise<boolean> | null = inflight;
      const busy = inflightKeys;
      if (previous && (job.dry_run || !busy || [...keys].some((k) => busy.has(k))) && !(await previous)) return false;
      const current = write(rows, previous ?? Promise.resolve(true));
      current.catch(() => undefined); // handled where it is awaited
      beforeInflight = previous;
      inflight = current;
      inflightKeys = keys;
      lastRow = rows.lastRow;
      return true;
    };
    const drain = async (): Promise<boolean> => (inflight ? inflight : true);

    const source = {
      encoding: (job.encoding ?? 'utf-8') as SupportedEncoding,
      delimiter: job.delimiter ?? ',',
      headers: job.headers,
      mapping: job.mapping,
      definitions,
      checkpoint: job.checkpoint_row,
      batchSize: BATCH,
    };
    const chunks = this.storage.read(importId);
    // A dry run validates on this thread and makes no tokens or ciphertexts; an import prepares in its worker thread.
    const batches: AsyncIterable<ReadBatch | CsvBroken> = job.dry_run
      ? readBatches({ ...source, chunks }, listSink)
      : new PrepareThread(
          { keys: this.crypto.sealingKeyMaterial(), source, onExisting: job.on_existing, origin: { source: 'import', importId } },
          { chunks, reserveIds: (n) => nextIds(this.dataSource, 'contacts_id_seq', n), ahead: 2 },
        );
    try {
      for await (const batch of batches) {
        if (batch.type === 'csv-error') {
          // Rows before the broken one are committed; the report names where the file broke.
          await drain().catch(() => undefined);
          await this.dataSource.query(`INSERT INTO import_errors (import_id, row_number, column_name, reason) VALUES ($1, $2, '*', $3)`, [
            importId,
            batch.row,
            `CSV syntax error (${batch.code}): the file cannot be read past this row`,
          ]);
          await this.dataSource.query(`UPDATE imports SET error_count = error_count + 1 WHERE id = $1`, [importId]);
          await this.fail(importId, `CSV syntax error at row ${batch.row} (${batch.code})`);
          return;
        }
        if (!(await flush(batch))) return; // cancelled
      }
      if (!(await drain())) return;
    } catch (err) {
      await drain().catch(() => undefined);
      this.logger.error({ err, importId }, 'import failed');
      return this.fail(importId, 'unexpected error: the import can be resumed');
    }
    await this.finish(importId, lastRow - 1);
  }

  /** One transaction: the batch's contacts (by the caller), its error rows, counters and checkpoint. */
  private async commitBatch(
    tx: EntityManager,
    importId: string,
    results: WriteResult[],
    errors: RowError[],
    lastRow: number,
    bytesRead: number,
    mapper: RowMapper,
  ): Promise<void> {
    const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0 };
    const all = [...errors];
    for (const r of results) {
      if (r.status === 'error') for (const e of r.errors) all.push({ row: r.ref, column: mapper.columnOf(e), reason: e.message });
      else counts[r.status]++;
    }
    await this.insertErrors(tx, importId, all);
    const failedRows = new Set(all.map((e) => e.row)).size;
    await tx.query(
      `UPDATE imports SET created_count = created_count + $2, updated_count = updated_count + $3, unchanged_count = unchanged_count + $4, skipped_count = skipped_count + $5,
              error_count = error_count + $6, rows_done = $7 - 1, checkpoint_row = $7, bytes_done = $8, updated_at = now()
        WHERE id = $1`,
      [importId, counts.created, counts.updated, counts.unchanged, counts.skipped, failedRows, lastRow, bytesRead],
    );
  }

  /** A dry run writes no contact: it reports what would be created or updated, and every bad row. */
  private async commitDryRun(importId: string, batch: WriteItem[], errors: RowError[], lastRow: number, bytesRead: number, seen: Set<string>) {
    let created = 0;
    let updated = 0;
    if (batch.length) {
      const tokens = batch.map((b) => tokenOf.email(this.crypto, b.input.phi.email));
      const existing = new Set(
        (await this.dataSource.query<{ email_token: Buffer }[]>(`SELECT email_token FROM contacts WHERE email_token = ANY($1::bytea[])`, [tokens])).map((r) =>
          r.email_token.toString('hex'),
        ),
      );
      for (const t of tokens) {
        const key = t.toString('hex');
        if (existing.has(key) || seen.has(key)) updated++;
        else created++;
        seen.add(key);
      }
    }
    await this.dataSource.transaction(async (tx) => {
      await this.insertErrors(tx, importId, errors);
      await tx.query(
        `UPDATE imports SET created_count = created_count + $2, updated_count = updated_count + $3, error_count = error_count + $4, rows_done = $5 - 1, checkpoint_row = $5, bytes_done = $6, updated_at = now() WHERE id = $1`,
        [importId, created, updated, new Set(errors.map((e) => e.row)).size, lastRow, bytesRead],
      );
    });
  }

  private async insertErrors(tx: EntityManager, importId: string, errors: RowError[]) {
    if (!errors.length) return;
    await tx.query(`INSERT INTO import_errors (import_id, row_number, column_name, reason) SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`, [
      importId,
      errors.map((e) => e.row),
      errors.map((e) => e.column),
      errors.map((e) => e.reason),
    ]);
  }

  private async finish(importId: string, rows: number) {
    const job = await this.load(importId);
    if (!job) throw new Error(`import ${importId} disappeared before it finished`);
    const status = job.dry_run ? 'validated' : 'completed';
    await this.dataSource.query(
      `UPDATE imports SET status = $2, rows_total = $3, rows_done = $3, bytes_done = bytes, finished_at = now(), updated_at = now() WHERE id = $1 AND status = 'running'`,
      [importId, status, Math.max(0, rows)],
    );
    if (!job.dry_run) await this.storage.remove(importId);
    await this.audit.record({
      actor: { type: job.created_by ? 'user' : 'system', id: job.created_by },
      action: job.dry_run ? 'import.validated' : 'import.completed',
      subject: { type: 'import', id: importId },
      details: {
        rows,
        created: job.created_count,
        updated: job.updated_count,
        unchanged: job.unchanged_count,
        skipped: job.skipped_count,
        errors: job.error_count,
      },
    });
  }

  private async fail(importId: string, message: string) {
    await this.dataSource.query(`UPDATE imports SET status = 'failed', error = $2, finished_at = now(), updated_at = now() WHERE id = $1`, [importId, message]);
    await this.audit.record({
      actor: { type: 'system' },
      action: 'import.failed',
      subject: { type: 'import', id: importId },
      outcome: 'failure',
      details: { message },
    });
  }

  private async load(importId: string): Promise<ImportRow | undefined> {
    const [row] = await this.dataSource.query<ImportRow[]>(`SELECT * FROM imports WHERE id = $1`, [importId]);
    return row;
  }
}
