import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved segments and their snapshots. A rule names condition codes, plans, providers and postal
 * codes in plaintext (the builder and the compiler need them), so it rests encrypted (`rule_enc`);
 * the ids of the segments a rule refers to stay in clear (`depends_on`) for cycle checks and for
 * refusing to delete a segment another one uses. A snapshot freezes the member list (contact ids
 * only) and the rule it was taken with, for audits of who was targeted.
 *
 * Two derived tables make counts over a million contacts fast (bench:segments), both kept in step by
 * statement-level triggers, so every writer (API, importer, erasure, key rotation, the delivery tier)
 * maintains them without knowing: `contact_condition_tokens` holds one row per condition token of an
 * active contact with the contact's most used scalar tokens beside it, so "E11.x AND born 1955–1980 AND
 * on these plans" is one index-only range scan (a GIN index over the token array made huge posting
 * lists and heap visits); `contact_engagement` holds each contact's latest delivery, human open and
 * human click, so "opened anything in the last 30 days" is one probe instead of a scan of the events.
 * The GIN index over condition_tokens has no reader left and goes, which pays for the side table on import.
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

    await q.query(`
      CREATE TABLE contact_condition_tokens (
        token                   bigint NOT NULL,
        contact_id              bigint NOT NULL,
        birth_year_token        bigint,
        insurance_plan_token    bigint,
        insurance_status_token  bigint,
        state_token             bigint,
        sex_token               bigint,
        zip3_token              bigint
      )`);
    // Led by the token, then the carried tokens (PostgreSQL 18 skips over a leading column a rule leaves open).
    await q.query(`
      CREATE INDEX contact_condition_tokens_idx ON contact_condition_tokens
        (token, birth_year_token, insurance_plan_token, insurance_status_token, state_token, sex_token, zip3_token, contact_id)`);
    await q.query(`CREATE INDEX contact_condition_tokens_contact_idx ON contact_condition_tokens (contact_id)`);
    const carried = ['birth_year_token', 'insurance_plan_token', 'insurance_status_token', 'state_token', 'sex_token', 'zip3_token'];
    const changed = `(o.status, o.condition_tokens, ${carried.map((c) => `o.${c}`).join(', ')}) IS DISTINCT FROM (n.status, n.condition_tokens, ${carried.map((c) => `n.${c}`).join(', ')})`;
    const insertFrom = (from: string, where: string) => `
      INSERT INTO contact_condition_tokens (token, contact_id, ${carried.join(', ')})
      SELECT t.token, n.id, ${carried.map((c) => `n.${c}`).join(', ')} FROM ${from} CROSS JOIN LATERAL unnest(n.condition_tokens) AS t(token) WHERE ${where}`;
    await q.query(`
      CREATE FUNCTION contact_condition_tokens_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${insertFrom('new_rows n', `n.status = 'active'`)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION contact_condition_tokens_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM contact_condition_tokens x USING old_rows o JOIN new_rows n ON n.id = o.id WHERE x.contact_id = o.id AND ${changed};
        ${insertFrom('new_rows n JOIN old_rows o ON o.id = n.id', `n.status = 'active' AND ${changed}`)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION contact_condition_tokens_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM contact_condition_tokens x USING old_rows o WHERE x.contact_id = o.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION contact_condition_tokens_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE contact_condition_tokens;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER contact_condition_tokens_ins AFTER INSERT ON contacts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_condition_tokens_inserted()`,
    );
    await q.query(
      `CREATE TRIGGER contact_condition_tokens_upd AFTER UPDATE ON contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_condition_tokens_updated()`,
    );
    await q.query(
      `CREATE TRIGGER contact_condition_tokens_del AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_condition_tokens_deleted()`,
    );
    await q.query(
      `CREATE TRIGGER contact_condition_tokens_trunc AFTER TRUNCATE ON contacts FOR EACH STATEMENT EXECUTE FUNCTION contact_condition_tokens_truncated()`,
    );
    await q.query(insertFrom('contacts n', `n.status = 'active'`));
    await q.query(`DROP INDEX contacts_condition_tokens_idx`);

    await q.query(`
      CREATE TABLE contact_engagement (
        contact_id         bigint PRIMARY KEY,
        last_delivered_at  timestamptz,
        last_opened_at     timestamptz,
        last_clicked_at    timestamptz
      )`);
    const summary = (from: string) => `
      INSERT INTO contact_engagement AS s (contact_id, last_delivered_at, last_opened_at, last_clicked_at)
      SELECT contact_id,
             max(occurred_at) FILTER (WHERE type = 'delivered'),
             max(occurred_at) FILTER (WHERE type = 'opened' AND NOT machine),
             max(occurred_at) FILTER (WHERE type = 'clicked' AND NOT machine)
        FROM ${from}
       WHERE contact_id IS NOT NULL AND (type = 'delivered' OR (type IN ('opened', 'clicked') AND NOT machine))
       GROUP BY contact_id
       ORDER BY contact_id
      ON CONFLICT (contact_id) DO UPDATE SET
        last_delivered_at = GREATEST(s.last_delivered_at, EXCLUDED.last_delivered_at),
        last_opened_at = GREATEST(s.last_opened_at, EXCLUDED.last_opened_at),
        last_clicked_at = GREATEST(s.last_clicked_at, EXCLUDED.last_clicked_at)`;
    await q.query(`
      CREATE FUNCTION contact_engagement_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${summary('new_rows')};
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER contact_engagement_ins AFTER INSERT ON engagement_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_engagement_recorded()`,
    );
    await q.query(summary('engagement_events'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER contact_engagement_ins ON engagement_events`);
    await q.query(`DROP FUNCTION contact_engagement_recorded()`);
    await q.query(`DROP TABLE contact_engagement`);
    for (const t of ['ins', 'upd', 'del', 'trunc']) await q.query(`DROP TRIGGER contact_condition_tokens_${t} ON contacts`);
    for (const f of ['inserted', 'updated', 'deleted', 'truncated']) await q.query(`DROP FUNCTION contact_condition_tokens_${f}()`);
    await q.query(`DROP TABLE contact_condition_tokens`);
    await q.query(`CREATE INDEX contacts_condition_tokens_idx ON contacts USING gin (condition_tokens)`);
    await q.query(`DROP TABLE segment_snapshot_members`);
    await q.query(`DROP TABLE segment_snapshots`);
    await q.query(`DROP TABLE segments`);
  }
}
