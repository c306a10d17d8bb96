import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention and disposal: one policy row (how long each kind of data is kept; NULL keeps it), and one row per run
 * (dry or real) with the cut-off instants it used and what it disposed, by category. The audit retention has a
 * floor of six years (45 CFR 164.316(b)(2)) that the database enforces too. At most one real run is queued or
 * running at a time (partial unique index); a run's counts grow in the same transaction as each batch it disposes.
 *
 * Deliveries get `detail_purged_at`: a delivery's message detail (encrypted recipient and render context, SMTP
 * detail text, the connection part of its TLS evidence) is purged once; the partial index keeps finding the next
 * ones cheap however many were purged before.
 */
export class Retention1763901400000 implements MigrationInterface {
  name = 'Retention1763901400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE retention_policy (
        id                       integer PRIMARY KEY CHECK (id = 1),
        contact_inactive_months  integer CHECK (contact_inactive_months > 0),
        contact_action           text NOT NULL DEFAULT 'anonymize' CHECK (contact_action IN ('anonymize', 'delete')),
        message_detail_days      integer CHECK (message_detail_days > 0),
        engagement_days          integer CHECK (engagement_days > 0),
        inbound_payload_days     integer CHECK (inbound_payload_days > 0),
        audit_days               integer NOT NULL DEFAULT 2190 CHECK (audit_days >= 2190),
        schedule_enabled         boolean NOT NULL DEFAULT true,
        updated_at               timestamptz NOT NULL DEFAULT now(),
        updated_by               text
      )`);
    // Nothing is disposed until someone decides to, except raw inbound payloads (kept 30 days, as before).
    await q.query(`INSERT INTO retention_policy (id, inbound_payload_days) VALUES (1, 30)`);

    await q.query(`
      CREATE TABLE retention_runs (
        id           bigserial PRIMARY KEY,
        dry_run      boolean NOT NULL,
        trigger      text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
        status       text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        policy       jsonb NOT NULL,
        cutoffs      jsonb NOT NULL,
        counts       jsonb NOT NULL DEFAULT '{}',
        error        text,
        actor_type   text NOT NULL,
        actor_id     text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        started_at   timestamptz,
        finished_at  timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX retention_runs_one_active ON retention_runs ((true)) WHERE status IN ('queued', 'running')`);

    await q.query(`ALTER TABLE deliveries ADD COLUMN detail_purged_at timestamptz`);
    await q.query(`CREATE INDEX deliveries_retention_idx ON deliveries (created_at) WHERE detail_purged_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deliveries_retention_idx`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN detail_purged_at`);
    await q.query(`DROP TABLE retention_runs`);
    await q.query(`DROP TABLE retention_policy`);
  }
}
