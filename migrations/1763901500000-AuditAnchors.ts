import type { MigrationInterface, QueryRunner } from 'typeorm';

const REFUSE_ALL = `
  CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
  END $$`;

/**
 * Audit purging with a verifiable anchor (ADR 8). Entries older than the retention period may go, but only behind an
 * anchor: a row of `audit_anchors` naming the last purged entry and its hash, inserted first in the purging
 * transaction. Verification then starts from the latest anchor instead of the genesis hash. The anchors are
 * append-only themselves; the audit log still refuses every UPDATE and TRUNCATE, and a DELETE of a row no anchor
 * covers.
 *
 * `retention_run_id` names the run that purged (NULL for a purge by other means); no foreign key, so the audit
 * module's table does not depend on the retention module's.
 */
export class AuditAnchors1763901500000 implements MigrationInterface {
  name = 'AuditAnchors1763901500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_anchors (
        id                  bigserial PRIMARY KEY,
        purged_through_id   bigint NOT NULL CHECK (purged_through_id > 0),
        purged_through_hash bytea NOT NULL CHECK (length(purged_through_hash) = 32),
        purged_count        bigint NOT NULL CHECK (purged_count >= 0),
        created_at          timestamptz NOT NULL DEFAULT now(),
        retention_run_id    bigint
      )`);
    await q.query(`CREATE INDEX audit_anchors_through_idx ON audit_anchors (purged_through_id)`);
    await q.query(`
      CREATE FUNCTION audit_anchors_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_anchors is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE OR DELETE ON audit_anchors FOR EACH ROW EXECUTE FUNCTION audit_anchors_append_only()`);
    await q.query(`CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors FOR EACH STATEMENT EXECUTE FUNCTION audit_anchors_append_only()`);
    // The existing triggers on audit_log call this function: replacing it changes what they allow.
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF EXISTS (SELECT 1 FROM audit_anchors WHERE purged_through_id >= OLD.id) THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(REFUSE_ALL);
    await q.query(`DROP TABLE audit_anchors`);
    await q.query(`DROP FUNCTION audit_anchors_append_only()`);
  }
}
