import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Static links of each template version, numbered in order of first appearance. A click token carries only the
 * delivery and the link index; the destination is looked up here, so no URL ever travels inside a token.
 * Static links are template content (the same for every recipient), never contact data.
 */
export class Tracking1763900900000 implements MigrationInterface {
  name = 'Tracking1763900900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tracked_links (
        template_version_id  integer NOT NULL REFERENCES template_versions (id) ON DELETE CASCADE,
        link_index           integer NOT NULL CHECK (link_index >= 0),
        url                  text NOT NULL CHECK (url ~* '^https?://'),
        created_at           timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (template_version_id, link_index)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tracked_links`);
  }
}
