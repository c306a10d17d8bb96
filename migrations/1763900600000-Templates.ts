import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Email templates and their versions. A published version is frozen; edits go to the next draft. Content holds placeholders, not PHI. */
export class Templates1763900600000 implements MigrationInterface {
  name = 'Templates1763900600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE templates (
        id          serial PRIMARY KEY,
        name        text NOT NULL,
        category    text NOT NULL CHECK (category IN ('marketing', 'transactional')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE template_versions (
        id            serial PRIMARY KEY,
        template_id   integer NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
        version       integer NOT NULL CHECK (version > 0),
        status        text NOT NULL CHECK (status IN ('draft', 'published')),
        subject       text NOT NULL DEFAULT '',
        preheader     text NOT NULL DEFAULT '',
        from_name     text NOT NULL DEFAULT '',
        mjml          text NOT NULL,
        compiled_html text,
        published_at  timestamptz,
        published_by  text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (template_id, version),
        CHECK (status = 'draft' OR (compiled_html IS NOT NULL AND published_at IS NOT NULL))
      )`);
    // At most one draft per template: the next version being edited.
    await q.query(`CREATE UNIQUE INDEX template_versions_one_draft ON template_versions (template_id) WHERE status = 'draft'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE template_versions`);
    await q.query(`DROP TABLE templates`);
  }
}
