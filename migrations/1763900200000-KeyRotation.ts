import type { MigrationInterface, QueryRunner } from 'typeorm';

export class KeyRotation1763900200000 implements MigrationInterface {
  name = 'KeyRotation1763900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_rotations (
        id            serial PRIMARY KEY,
        purpose       text NOT NULL CHECK (purpose IN ('phi', 'secrets')),
        to_key_id     integer NOT NULL REFERENCES data_keys (id),
        status        text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        total         integer NOT NULL DEFAULT 0,
        done          integer NOT NULL DEFAULT 0,
        requested_by  text,
        error         text,
        started_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        finished_at   timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX key_rotations_one_running_idx ON key_rotations (purpose) WHERE status = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE key_rotations`);
  }
}
