import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journeys: versioned graphs (the draft is edited, published versions are frozen), enrollments that persist their
 * node, state and next wake time (BullMQ only wakes them; a sweeper finds what Redis lost), and the steps each
 * enrollment has run, unique per enrollment and step key, written in the same transaction as the enrollment's move
 * so a step never runs twice. The enrolling event's properties (an appointment time and service: PHI) are kept
 * only encrypted, bound to the enrollment id. Graphs hold configuration (template, topic and segment ids, event
 * types and filters), never contact data.
 */
export class Journeys1763901300000 implements MigrationInterface {
  name = 'Journeys1763901300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE journeys (
        id                  bigserial PRIMARY KEY,
        name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description         text NOT NULL DEFAULT '',
        status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'archived')),
        draft               jsonb NOT NULL,
        current_version     integer,
        -- Copied from the current version so an event finds its journeys with one indexed lookup.
        trigger_kind        text CHECK (trigger_kind IN ('event', 'segment', 'date_attribute', 'api')),
        trigger_event_type  text,
        created_by          text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX journeys_event_trigger_idx ON journeys (trigger_event_type) WHERE status = 'active'`);

    await q.query(`
      CREATE TABLE journey_versions (
        journey_id    bigint NOT NULL REFERENCES journeys (id),
        version       integer NOT NULL CHECK (version > 0),
        graph         jsonb NOT NULL,
        -- The draft as it was published (the graph has each send's template version pinned).
        source        jsonb NOT NULL,
        published_at  timestamptz NOT NULL DEFAULT now(),
        published_by  text,
        PRIMARY KEY (journey_id, version)
      )`);

    await q.query(`
      CREATE TABLE journey_enrollments (
        id                bigserial PRIMARY KEY,
        journey_id        bigint NOT NULL,
        version           integer NOT NULL,
        contact_id        bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        state             text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'completed', 'exited', 'removed', 'failed')),
        node_id           text NOT NULL,
        -- Moves so far: the step key of the node being run is '<step_seq>:<node_id>'.
        step_seq          integer NOT NULL DEFAULT 0,
        arrived_at        timestamptz NOT NULL,
        next_wake_at      timestamptz,
        -- The event type a wait_for_event node is waiting for (matched without opening the graph).
        wait_event        text,
        context_enc       bytea,
        last_delivery_id  bigint,
        exit_reason       text,
        entered_at        timestamptz NOT NULL,
        finished_at       timestamptz,
        updated_at        timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (journey_id, version) REFERENCES journey_versions (journey_id, version),
        CHECK ((state = 'active') = (finished_at IS NULL))
      )`);
    await q.query(`CREATE INDEX journey_enrollments_due_idx ON journey_enrollments (next_wake_at) WHERE state = 'active'`);
    await q.query(`CREATE INDEX journey_enrollments_contact_idx ON journey_enrollments (contact_id) WHERE state = 'active'`);
    await q.query(`CREATE INDEX journey_enrollments_journey_idx ON journey_enrollments (journey_id, state, node_id)`);
    await q.query(`CREATE INDEX journey_enrollments_contact_all_idx ON journey_enrollments (contact_id, entered_at DESC)`);

    await q.query(`
      CREATE TABLE journey_steps (
        enrollment_id  bigint NOT NULL REFERENCES journey_enrollments (id) ON DELETE CASCADE,
        step_key       text NOT NULL,
        journey_id     bigint NOT NULL,
        version        integer NOT NULL,
        node_id        text NOT NULL,
        node_type      text NOT NULL,
        outcome        text NOT NULL,
        delivery_id    bigint,
        at             timestamptz NOT NULL,
        PRIMARY KEY (enrollment_id, step_key)
      )`);
    await q.query(`CREATE INDEX journey_steps_node_idx ON journey_steps (journey_id, node_id, outcome)`);
    // The outbox: send steps whose message is not queued yet (normally for milliseconds; longer only after a crash).
    await q.query(`CREATE INDEX journey_steps_unsent_idx ON journey_steps (at) WHERE node_type = 'send' AND outcome = 'queued' AND delivery_id IS NULL`);

    // Entry rules: when each contact last entered each journey (once, once per period, always).
    await q.query(`
      CREATE TABLE journey_contacts (
        journey_id       bigint NOT NULL REFERENCES journeys (id),
        contact_id       bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        last_entered_at  timestamptz NOT NULL,
        entries          integer NOT NULL DEFAULT 1,
        PRIMARY KEY (journey_id, contact_id)
      )`);

    // Segment-entry triggers: the members seen at the last check, so the next one enrolls only newcomers.
    await q.query(`
      CREATE TABLE journey_segment_members (
        journey_id  bigint NOT NULL REFERENCES journeys (id),
        contact_id  bigint NOT NULL,
        PRIMARY KEY (journey_id, contact_id)
      )`);
    await q.query(`
      CREATE TABLE journey_trigger_checks (
        journey_id   bigint PRIMARY KEY REFERENCES journeys (id),
        checked_at   timestamptz NOT NULL,
        checked_on   date
      )`);

    // Where the event consumer is in contact_events (ids only). Ids are taken before commit, so a lower id can become
    // visible after a higher one: ids skipped over are kept as gaps and looked for again for a while.
    await q.query(`
      CREATE TABLE journey_cursors (
        name        text PRIMARY KEY,
        position    bigint NOT NULL DEFAULT 0,
        gaps        bigint[] NOT NULL DEFAULT '{}',
        gaps_since  timestamptz[] NOT NULL DEFAULT '{}',
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO journey_cursors (name) VALUES ('contact_events')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE journey_cursors`);
    await q.query(`DROP TABLE journey_trigger_checks`);
    await q.query(`DROP TABLE journey_segment_members`);
    await q.query(`DROP TABLE journey_contacts`);
    await q.query(`DROP TABLE journey_steps`);
    await q.query(`DROP TABLE journey_enrollments`);
    await q.query(`DROP TABLE journey_versions`);
    await q.query(`DROP TABLE journeys`);
  }
}
