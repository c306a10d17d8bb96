import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The delivery tier: one row per intended message (idempotency key decides, not the queue), the engagement
 * event stream (partitioned by month), recipient domains' TLS capability, cached MTA-STS policies, TLS
 * failure records for TLSRPT-shaped reports, and sending domains with their DKIM keys (private key encrypted).
 * Recipient domains are kept in plaintext: a domain alone identifies no patient, and routing, per-domain
 * limits and the TLS report need it. Addresses and rendered content never rest here in plaintext.
 */
export class Delivery1763900700000 implements MigrationInterface {
  name = 'Delivery1763900700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deliveries (
        id                   bigserial PRIMARY KEY,
        idempotency_key      text NOT NULL UNIQUE,
        contact_id           bigint REFERENCES contacts (id),
        recipient_enc        bytea,
        recipient_domain     text NOT NULL,
        template_version_id  integer NOT NULL REFERENCES template_versions (id),
        topic_id             integer REFERENCES topics (id),
        category             text NOT NULL CHECK (category IN ('marketing', 'transactional')),
        purpose              text NOT NULL DEFAULT 'campaign' CHECK (purpose IN ('campaign', 'journey', 'test', 'transactional')),
        campaign_id          bigint,
        journey_id           bigint,
        enrollment_id        bigint,
        step_key             text,
        context_enc          bytea,
        status               text NOT NULL DEFAULT 'queued' CHECK (status IN (
                               'queued', 'sending', 'deferred', 'sent', 'bounced', 'failed',
                               'dropped_no_tls', 'dropped_consent', 'dropped_suppressed', 'dropped_frequency')),
        reason               text,
        detail               text,
        attempts             integer NOT NULL DEFAULT 0,
        next_attempt_at      timestamptz NOT NULL DEFAULT now(),
        first_attempt_at     timestamptz,
        evidence             jsonb,
        message_id           text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now(),
        sent_at              timestamptz,
        CHECK (contact_id IS NOT NULL OR recipient_enc IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status IN ('queued', 'deferred', 'sending')`);
    await q.query(`CREATE INDEX deliveries_contact_idx ON deliveries (contact_id, created_at DESC)`);
    await q.query(`CREATE INDEX deliveries_campaign_idx ON deliveries (campaign_id, status) WHERE campaign_id IS NOT NULL`);
    await q.query(`CREATE INDEX deliveries_journey_idx ON deliveries (journey_id) WHERE journey_id IS NOT NULL`);
    await q.query(`CREATE INDEX deliveries_created_idx ON deliveries (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_domain_idx ON deliveries (recipient_domain, status)`);

    // Engagement events: append-mostly, the fastest-growing table, so partitioned by month from day one.
    await q.query(`
      CREATE TABLE engagement_events (
        id            bigint GENERATED ALWAYS AS IDENTITY,
        occurred_at   timestamptz NOT NULL DEFAULT now(),
        type          text NOT NULL CHECK (type IN (
                        'queued', 'delivered', 'dropped', 'deferred', 'bounced', 'opened', 'clicked', 'unsubscribed', 'complained')),
        contact_id    bigint,
        delivery_id   bigint,
        campaign_id   bigint,
        journey_id    bigint,
        machine       boolean NOT NULL DEFAULT false,
        detail        jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await q.query(`CREATE TABLE engagement_events_default PARTITION OF engagement_events DEFAULT`);
    await q.query(`CREATE INDEX engagement_events_contact_idx ON engagement_events (contact_id, type, occurred_at)`);
    await q.query(`CREATE INDEX engagement_events_delivery_idx ON engagement_events (delivery_id, occurred_at)`);
    await q.query(`CREATE INDEX engagement_events_campaign_idx ON engagement_events (campaign_id, type) WHERE campaign_id IS NOT NULL`);
    // Creates the month's partition if missing; the maintenance sweep calls it for this month and the next ones.
    await q.query(`
      CREATE FUNCTION ensure_engagement_partition(month date) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        start_at date := date_trunc('month', month)::date;
        name text := 'engagement_events_' || to_char(start_at, 'YYYY_MM');
      BEGIN
        IF to_regclass(name) IS NULL THEN
          EXECUTE format('CREATE TABLE %I PARTITION OF engagement_events FOR VALUES FROM (%L) TO (%L)',
                         name, start_at, (start_at + interval '1 month')::date);
        END IF;
      END $$`);
    await q.query(`SELECT ensure_engagement_partition((date_trunc('month', now()) + make_interval(months => m))::date) FROM generate_series(0, 2) AS m`);

    await q.query(`
      CREATE TABLE domain_tls (
        domain          text PRIMARY KEY,
        status          text NOT NULL CHECK (status IN ('tls_ok', 'no_tls', 'tls_failed', 'unreachable', 'unknown')),
        reason          text,
        mx_host         text,
        mx_ip           text,
        tls_version     text,
        cipher          text,
        cert_verified   boolean,
        mta_sts_mode    text,
        probed_at       timestamptz NOT NULL DEFAULT now(),
        next_probe_at   timestamptz NOT NULL DEFAULT now(),
        consecutive_failures integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX domain_tls_next_probe_idx ON domain_tls (next_probe_at)`);

    await q.query(`
      CREATE TABLE mta_sts_policies (
        domain       text PRIMARY KEY,
        policy_id    text,
        mode         text NOT NULL CHECK (mode IN ('enforce', 'testing', 'none')),
        mx           text[] NOT NULL DEFAULT '{}',
        max_age      integer NOT NULL,
        fetched_at   timestamptz NOT NULL DEFAULT now(),
        expires_at   timestamptz NOT NULL
      )`);

    // TLS failures in the RFC 8460 vocabulary, aggregated into TLSRPT-shaped JSON for the delivery report.
    await q.query(`
      CREATE TABLE tls_failures (
        id                     bigserial PRIMARY KEY,
        occurred_at            timestamptz NOT NULL DEFAULT now(),
        policy_domain          text NOT NULL,
        policy_type            text NOT NULL CHECK (policy_type IN ('sts', 'tlsa', 'no-policy-found')),
        result_type            text NOT NULL,
        receiving_mx_hostname  text,
        receiving_ip           text,
        failure_reason_code    text,
        delivery_id            bigint
      )`);
    await q.query(`CREATE INDEX tls_failures_domain_idx ON tls_failures (policy_domain, occurred_at)`);

    await q.query(`
      CREATE TABLE sending_domains (
        id                 serial PRIMARY KEY,
        domain             text NOT NULL UNIQUE,
        dkim_selector      text NOT NULL,
        dkim_private_key   bytea NOT NULL,
        dkim_public_key    text NOT NULL,
        is_default         boolean NOT NULL DEFAULT false,
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX sending_domains_one_default ON sending_domains (is_default) WHERE is_default`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sending_domains`);
    await q.query(`DROP TABLE tls_failures`);
    await q.query(`DROP TABLE mta_sts_policies`);
    await q.query(`DROP TABLE domain_tls`);
    await q.query(`DROP FUNCTION ensure_engagement_partition(date)`);
    await q.query(`DROP TABLE engagement_events`);
    await q.query(`DROP TABLE deliveries`);
  }
}
