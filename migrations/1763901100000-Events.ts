import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * EHR integration, inbound: contact events (from the events API, FHIR and HL7 v2) with their properties encrypted,
 * every inbound EHR message with its outcome (the raw payload only encrypted, and only for the retention period),
 * and the mapping configuration. Idempotency keys and duplicate-message keys are stored as keyed hashes (a key chosen
 * by a client could carry an identifier).
 */
export class Events1763901100000 implements MigrationInterface {
  name = 'Events1763901100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_messages (
        id              bigserial PRIMARY KEY,
        channel         text NOT NULL CHECK (channel IN ('fhir', 'hl7-mllp', 'hl7-http')),
        kind            text NOT NULL,
        status          text NOT NULL CHECK (status IN ('processed', 'rejected', 'dead_letter', 'duplicate')),
        reason          text,
        problems        jsonb NOT NULL DEFAULT '[]',
        dedupe_token    bytea UNIQUE,
        payload_enc     bytea,
        contact_ids     bigint[] NOT NULL DEFAULT '{}',
        event_count     integer NOT NULL DEFAULT 0,
        attempts        integer NOT NULL DEFAULT 1,
        received_at     timestamptz NOT NULL DEFAULT now(),
        processed_at    timestamptz,
        purged_at       timestamptz
      )`);
    await q.query(`CREATE INDEX inbound_messages_received_idx ON inbound_messages (received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX inbound_messages_status_idx ON inbound_messages (status, id DESC)`);
    await q.query(`CREATE INDEX inbound_messages_retention_idx ON inbound_messages (received_at) WHERE payload_enc IS NOT NULL`);
    await q.query(`
      CREATE TABLE contact_events (
        id                  bigserial PRIMARY KEY,
        contact_id          bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        type                text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_.-]{0,63}$'),
        occurred_at         timestamptz NOT NULL,
        properties          bytea,
        source              text NOT NULL CHECK (source IN ('api', 'fhir', 'hl7')),
        idempotency_token   bytea UNIQUE,
        inbound_message_id  bigint,
        recorded_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX contact_events_contact_idx ON contact_events (contact_id, type, occurred_at)`);
    await q.query(`CREATE INDEX contact_events_type_idx ON contact_events (type, id)`);
    await q.query(`
      CREATE TABLE ehr_mapping (
        id          integer PRIMARY KEY CHECK (id = 1),
        config      jsonb NOT NULL,
        version     integer NOT NULL DEFAULT 1,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        updated_by  text
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ehr_mapping`);
    await q.query(`DROP TABLE contact_events`);
    await q.query(`DROP TABLE inbound_messages`);
  }
}
