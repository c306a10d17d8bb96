import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1763900300000 implements MigrationInterface {
  name = 'ApiKeys1763900300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL,
        prefix        text NOT NULL,
        key_hash      bytea NOT NULL UNIQUE,
        scopes        text[] NOT NULL,
        created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz,
        last_used_at  timestamptz,
        last_used_ip  text,
        revoked_at    timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
  }
}
