import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns: a broadcast to saved segments with one template version, a sender identity, a schedule, a throttle
 * and an optional A/B test, moved through an audited approval workflow. `campaign_recipients` is the audience as
 * frozen when sending starts (contact ids only, in send order, with the A/B variant), and `fanout_position` is how
 * far it has been turned into deliveries: a worker killed mid-fan-out resumes from there, and the deliveries'
 * idempotency keys make a repeated batch harmless.
 *
 * Deliveries gain two states (`paused`, `cancelled`: a paused delivery is not claimed, a cancelled one never
 * leaves) and `message_options`, per-message overrides of the subject and sender (no PHI: campaign settings).
 */
export class Campaigns1763901000000 implements MigrationInterface {
  name = 'Campaigns1763901000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaigns (
        id                    bigserial PRIMARY KEY,
        name                  text NOT NULL,
        status                text NOT NULL DEFAULT 'draft' CHECK (status IN (
                                'draft', 'submitted', 'approved', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
        topic_id              integer REFERENCES topics (id),
        include_segment_ids   integer[] NOT NULL DEFAULT '{}',
        exclude_segment_ids   integer[] NOT NULL DEFAULT '{}',
        template_version_id   integer REFERENCES template_versions (id),
        from_name             text NOT NULL DEFAULT '',
        from_local_part       text NOT NULL DEFAULT '',
        sending_domain        text,
        reply_to              text,
        schedule_kind         text NOT NULL DEFAULT 'now' CHECK (schedule_kind IN ('now', 'at', 'local_time')),
        send_at               timestamptz,
        local_date            date,
        local_time            text CHECK (local_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
        fallback_time_zone    text NOT NULL DEFAULT 'UTC',
        throttle_per_hour     integer CHECK (throttle_per_hour > 0),
        ab_test               jsonb,
        four_eyes             boolean NOT NULL DEFAULT true,
        review_note           text,
        created_by            text,
        submitted_by          text,
        approved_by           text,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        submitted_at          timestamptz,
        approved_at           timestamptz,
        scheduled_at          timestamptz,
        started_at            timestamptz,
        paused_at             timestamptz,
        paused_ms             bigint NOT NULL DEFAULT 0,
        completed_at          timestamptz,
        cancelled_at          timestamptz,
        audience_count        integer,
        snapshot_at           timestamptz,
        fanout_position       integer NOT NULL DEFAULT 0,
        fanout_limit          integer,
        phase_started_at      timestamptz,
        phase_start_position  integer NOT NULL DEFAULT 0,
        fanout_completed_at   timestamptz,
        ab_phase              text CHECK (ab_phase IN ('testing', 'decided')),
        ab_decide_at          timestamptz,
        ab_winner             text CHECK (ab_winner IN ('a', 'b')),
        ab_result             jsonb
      )`);
    await q.query(`CREATE INDEX campaigns_active_idx ON campaigns (status) WHERE status IN ('scheduled', 'sending', 'paused')`);
    await q.query(`CREATE INDEX campaigns_created_idx ON campaigns (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE campaign_recipients (
        campaign_id  bigint NOT NULL REFERENCES campaigns (id),
        position     integer NOT NULL,
        contact_id   bigint NOT NULL,
        variant      text NOT NULL CHECK (variant IN ('a', 'b', 'rest')),
        skipped      text,
        PRIMARY KEY (campaign_id, position),
        UNIQUE (campaign_id, contact_id)
      )`);

    await q.query(`ALTER TABLE deliveries ADD COLUMN message_options jsonb`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`);
    await q.query(`
      ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN (
        'queued', 'sending', 'deferred', 'sent', 'bounced', 'failed',
        'dropped_no_tls', 'dropped_consent', 'dropped_suppressed', 'dropped_frequency', 'paused', 'cancelled'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE deliveries SET status = 'failed', reason = 'campaign_cancelled' WHERE status IN ('paused', 'cancelled')`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check`);
    await q.query(`
      ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN (
        'queued', 'sending', 'deferred', 'sent', 'bounced', 'failed',
        'dropped_no_tls', 'dropped_consent', 'dropped_suppressed', 'dropped_frequency'))`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN message_options`);
    await q.query(`DROP TABLE campaign_recipients`);
    await q.query(`DROP TABLE campaigns`);
  }
}
