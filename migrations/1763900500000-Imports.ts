import type { MigrationInterface, QueryRunner } from 'typeorm';

/** CSV imports: the upload is kept encrypted in chunks (shared by every worker), with progress, checkpoint and a row-level error report. */
export class Imports1763900500000 implements MigrationInterface {
  name = 'Imports1763900500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imports (
        id              bigserial PRIMARY KEY,
        status          text NOT NULL CHECK (status IN ('uploading', 'uploaded', 'queued', 'running', 'validated', 'completed', 'failed', 'cancelled')),
        dry_run         boolean NOT NULL DEFAULT false,
        file_name       text NOT NULL,
        bytes           bigint NOT NULL DEFAULT 0,
        sha256          text,
        encoding        text,
        delimiter       text,
        headers         text[] NOT NULL DEFAULT '{}',
        mapping         jsonb,
        on_existing     text NOT NULL DEFAULT 'update' CHECK (on_existing IN ('update', 'skip')),
        consent         jsonb,
        rows_total      integer,
        rows_done       integer NOT NULL DEFAULT 0,
        bytes_done      bigint NOT NULL DEFAULT 0,
        created_count   integer NOT NULL DEFAULT 0,
        updated_count   integer NOT NULL DEFAULT 0,
        unchanged_count integer NOT NULL DEFAULT 0,
        skipped_count   integer NOT NULL DEFAULT 0,
        error_count     integer NOT NULL DEFAULT 0,
        checkpoint_row  integer NOT NULL DEFAULT 0,
        error           text,
        created_by      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        started_at      timestamptz,
        finished_at     timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE import_chunks (
        import_id  bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        seq        integer NOT NULL,
        data       bytea NOT NULL,
        PRIMARY KEY (import_id, seq)
      )`);
    await q.query(`
      CREATE TABLE import_errors (
        import_id    bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        row_number   integer NOT NULL,
        column_name  text NOT NULL,
        reason       text NOT NULL
      )`);
    await q.query(`CREATE INDEX import_errors_import_idx ON import_errors (import_id, row_number)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_errors`);
    await q.query(`DROP TABLE import_chunks`);
    await q.query(`DROP TABLE imports`);
  }
}
