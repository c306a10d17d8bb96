import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE process_heartbeats (
        id            text PRIMARY KEY,
        role          text NOT NULL CHECK (role IN ('api', 'worker', 'scheduler')),
        host          text NOT NULL,
        pid           integer NOT NULL,
        version       text NOT NULL,
        started_at    timestamptz NOT NULL,
        last_seen_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX process_heartbeats_last_seen_idx ON process_heartbeats (last_seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE process_heartbeats`);
  }
}
