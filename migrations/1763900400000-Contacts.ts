import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contacts keep every PHI value in one ciphertext (`phi`), and blind-index tokens beside it for
 * look-ups and segments: `email_token` and identifier tokens are full HMACs (uniqueness must not
 * collide); segment tokens are 64-bit HMAC prefixes, scalar where the attribute has one value,
 * arrays where it has many.
 */
export class Contacts1763900400000 implements MigrationInterface {
  name = 'Contacts1763900400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE topics (
        id                      serial PRIMARY KEY,
        key                     text NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name                    text NOT NULL,
        description             text NOT NULL DEFAULT '',
        kind                    text NOT NULL CHECK (kind IN ('marketing', 'transactional')),
        requires_authorization  boolean NOT NULL DEFAULT false,
        double_opt_in           boolean NOT NULL DEFAULT true,
        created_at              timestamptz NOT NULL DEFAULT now(),
        archived_at             timestamptz
      )`);

    await q.query(`
      CREATE TABLE attribute_definitions (
        id          serial PRIMARY KEY,
        key         text NOT NULL UNIQUE CHECK (key ~ '^[a-z][a-zA-Z0-9_]{0,62}$'),
        label       text NOT NULL,
        type        text NOT NULL CHECK (type IN ('text', 'enum', 'number', 'date', 'boolean', 'list')),
        options     text[] NOT NULL DEFAULT '{}',
        is_phi      boolean NOT NULL DEFAULT true,
        created_at  timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE contacts (
        id                      bigserial PRIMARY KEY,
        status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'erased')),
        email_token             bytea UNIQUE,
        phi                     bytea,
        time_zone               text,
        language                text,
        attributes              jsonb NOT NULL DEFAULT '{}',
        sex_token               bigint,
        birth_year_token        bigint,
        zip3_token              bigint,
        postal_token            bigint,
        state_token             bigint,
        insurance_status_token  bigint,
        insurance_plan_token    bigint,
        provider_token          bigint,
        last_visit_month_token  bigint,
        next_visit_month_token  bigint,
        condition_tokens        bigint[] NOT NULL DEFAULT '{}',
        attribute_tokens        bigint[] NOT NULL DEFAULT '{}',
        source                  text NOT NULL DEFAULT 'api',
        import_id               bigint,
        created_at              timestamptz NOT NULL DEFAULT now(),
        updated_at              timestamptz NOT NULL DEFAULT now(),
        erased_at               timestamptz,
        CHECK ((status = 'active') = (email_token IS NOT NULL AND phi IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX contacts_created_idx ON contacts (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX contacts_condition_tokens_idx ON contacts USING gin (condition_tokens)`);
    await q.query(`CREATE INDEX contacts_attribute_tokens_idx ON contacts USING gin (attribute_tokens)`);

    await q.query(`
      CREATE TABLE contact_identifiers (
        token       bytea PRIMARY KEY,
        contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        kind        text NOT NULL CHECK (kind IN ('mrn', 'member', 'patient', 'other'))
      )`);
    await q.query(`CREATE INDEX contact_identifiers_contact_idx ON contact_identifiers (contact_id)`);

    // Consent: an append-only ledger; the current state per contact and topic is derived from it.
    await q.query(`
      CREATE TABLE consent_events (
        id            bigserial PRIMARY KEY,
        contact_id    bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        topic_id      integer NOT NULL REFERENCES topics (id),
        status        text NOT NULL CHECK (status IN ('pending', 'confirmed', 'revoked')),
        method        text NOT NULL CHECK (method IN ('double_opt_in', 'import_attestation', 'ehr', 'api', 'web_form', 'preference_center', 'unsubscribe', 'admin')),
        source        text NOT NULL,
        evidence      bytea,
        import_id     bigint,
        actor_type    text NOT NULL,
        actor_id      text,
        occurred_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX consent_events_contact_idx ON consent_events (contact_id, topic_id, id)`);
    await q.query(`
      CREATE TABLE consent_state (
        contact_id     bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        topic_id       integer NOT NULL REFERENCES topics (id),
        status         text NOT NULL CHECK (status IN ('pending', 'confirmed', 'revoked')),
        method         text NOT NULL,
        last_event_id  bigint NOT NULL,
        updated_at     timestamptz NOT NULL,
        PRIMARY KEY (contact_id, topic_id)
      )`);
    await q.query(`CREATE INDEX consent_state_topic_idx ON consent_state (topic_id, status)`);

    // HIPAA marketing authorizations (45 CFR 164.508): versioned texts, and each patient's signature.
    await q.query(`
      CREATE TABLE authorization_texts (
        id          serial PRIMARY KEY,
        version     text NOT NULL UNIQUE,
        title       text NOT NULL,
        purpose     text NOT NULL,
        body        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE marketing_authorizations (
        id                 bigserial PRIMARY KEY,
        contact_id         bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        text_id            integer NOT NULL REFERENCES authorization_texts (id),
        signed_at          timestamptz NOT NULL,
        expires_at         timestamptz,
        expiry_event       text,
        signature_evidence bytea,
        revoked_at         timestamptz,
        revocation_method  text,
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX marketing_authorizations_contact_idx ON marketing_authorizations (contact_id)`);

    await q.query(`
      CREATE TABLE suppressions (
        id           bigserial PRIMARY KEY,
        email_token  bytea NOT NULL UNIQUE,
        reason       text NOT NULL CHECK (reason IN ('unsubscribe', 'hard_bounce', 'complaint', 'manual')),
        source       text NOT NULL,
        actor_type   text NOT NULL,
        actor_id     text,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);

    // The ledger is append-only; the one change allowed is to a row's encrypted evidence: erased (NULL) on an
    // erasure request, or re-encrypted under a new key by key rotation.
    await q.query(`
      CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (OLD.id, OLD.contact_id, OLD.topic_id, OLD.status, OLD.method, OLD.source, OLD.import_id, OLD.actor_type, OLD.actor_id, OLD.occurred_at)
             IS NOT DISTINCT FROM (NEW.id, NEW.contact_id, NEW.topic_id, NEW.status, NEW.method, NEW.source, NEW.import_id, NEW.actor_type, NEW.actor_id, NEW.occurred_at) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'consent_events is append-only: UPDATE refused' USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'suppressions',
      'marketing_authorizations',
      'authorization_texts',
      'consent_state',
      'consent_events',
      'contact_identifiers',
      'contacts',
      'attribute_definitions',
      'topics',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query(`DROP FUNCTION consent_events_append_only()`);
  }
}
