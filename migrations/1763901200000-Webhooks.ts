import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: subscriptions (signing secret encrypted), one delivery row per event and subscription with its
 * attempts (payload encrypted: a full-payload subscription may carry PHI), and the cursors of the event sources the
 * dispatcher pages through.
 */
export class Webhooks1763901200000 implements MigrationInterface {
  name = 'Webhooks1763901200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id                 serial PRIMARY KEY,
        name               text NOT NULL,
        url                text NOT NULL CHECK (url ~* '^https?://'),
        event_types        text[] NOT NULL,
        payload_mode       text NOT NULL DEFAULT 'identifiers' CHECK (payload_mode IN ('identifiers', 'full')),
        status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
        secret_enc         bytea NOT NULL,
        secret_rotated_at  timestamptz NOT NULL DEFAULT now(),
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id               bigserial PRIMARY KEY,
        subscription_id  integer NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
        event_key        text NOT NULL,
        event_type       text NOT NULL,
        payload_enc      bytea NOT NULL,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'succeeded', 'dead')),
        attempts         integer NOT NULL DEFAULT 0,
        last_status      integer,
        last_error       text,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        -- Retries stop when WEBHOOK_RETRY_WINDOW_SECONDS have passed since this (reset by a manual replay).
        series_started_at timestamptz NOT NULL DEFAULT now(),
        created_at       timestamptz NOT NULL DEFAULT now(),
        delivered_at     timestamptz,
        UNIQUE (subscription_id, event_key)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_sub_idx ON webhook_deliveries (subscription_id, id DESC)`);
    await q.query(`CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status, id DESC)`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        id           bigserial PRIMARY KEY,
        delivery_id  bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code  integer,
        error        text,
        duration_ms  integer NOT NULL
      )`);
    await q.query(`CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id)`);
    await q.query(`
      CREATE TABLE webhook_cursors (
        source      text PRIMARY KEY,
        last_id     bigint NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_cursors`);
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_subscriptions`);
  }
}
