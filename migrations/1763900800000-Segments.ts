import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved segments and their snapshots. A rule names condition codes, plans, providers and postal
 * codes in plaintext (the builder and the compiler need them), so it rests encrypted (`rule_enc`);
 * the ids of the segments a rule refers to stay in clear (`depends_on`) for cycle checks and for
 * refusing to delete a segment another one uses. A snapshot freezes the member list (contact ids
 * only) and the rule it was taken with, for audits of who was targeted.
 */
export class Segments1763900800000 implements MigrationInterface {
  name = 'Segments1763900800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE segments (
        id           serial PRIMARY KEY,
        name         text NOT NULL,
        description  text NOT NULL DEFAULT '',
        kind         text NOT NULL CHECK (kind IN ('dynamic', 'snapshot')),
        rule_enc     bytea NOT NULL,
        depends_on   integer[] NOT NULL DEFAULT '{}',
        created_by   text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        deleted_at   timestamptz
      )`);
    await q.query(`CREATE INDEX segments_depends_on_idx ON segments USING gin (depends_on) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE segment_snapshots (
        id            bigserial PRIMARY KEY,
        segment_id    integer NOT NULL REFERENCES segments (id),
        member_count  integer NOT NULL,
        exact_checks  integer NOT NULL DEFAULT 0,
        rule_enc      bytea NOT NULL,
        actor_type    text NOT NULL,
        actor_id      text,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX segment_snapshots_segment_idx ON segment_snapshots (segment_id, id DESC)`);
    // No foreign key to contacts: rows are never deleted there (erasure keeps the row), and a check per member would slow large snapshots.
    await q.query(`
      CREATE TABLE segment_snapshot_members (
        snapshot_id  bigint NOT NULL REFERENCES segment_snapshots (id) ON DELETE CASCADE,
        contact_id   bigint NOT NULL,
        PRIMARY KEY (snapshot_id, contact_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE segment_snapshot_members`);
    await q.query(`DROP TABLE segment_snapshots`);
    await q.query(`DROP TABLE segments`);
  }
}
