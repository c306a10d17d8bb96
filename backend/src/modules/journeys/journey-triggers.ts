import { nextIds } from '../../platform/database/index.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { type SegmentRule, SegmentsService } from '../segments/index.js';
import { matchesAll } from './journey-conditions.js';
import { JourneyClock } from './journey-clock.js';
import { addDuration, type JourneyGraph, type NodeOf, triggerOf } from './journey-graph.js';
import { JourneyJobs } from './journey-jobs.js';
import { type EnrollmentRow, insertSteps, type Position, type StepRecord, writePositions } from './journey-runner.js';
import { addDays } from './journey-time.js';
import { JourneyRepository } from './journey.repository.js';
import type { SealedContext, TriggerEvent } from './journeys.types.js';

export interface TriggerResult {
  /** New enrollments, due now. */
  enrolled: string[];
  /** Enrollments an event moved on (a wait_for_event that saw its event), due now. */
  moved: string[];
  /** Enrollments an event ended at a goal. */
  goals: string[];
}

interface Entry {
  journeyId: string;
  version: number;
  graph: JourneyGraph;
  contactId: string;
  context: SealedContext;
  /** Position of the enrolling event in its batch: only later events of the batch can end or move this enrollment. */
  eventIndex: number;
}

const EMPTY: TriggerResult = { enrolled: [], moved: [], goals: [] };

/**
 * How contacts get into journeys and how events reach enrollments already running: an event starts the journeys
 * whose trigger it matches (subject to each journey's entry rule), ends enrollments at a matching goal, and moves
 * enrollments waiting for it. Also the periodic triggers (segment entry, date attributes) and the API call.
 * Everything happens in one transaction per batch; the caller queues the enrollments that became due after commit.
 */
@Injectable()
export class JourneyTriggers {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: JourneyRepository,
    private readonly clock: JourneyClock,
    private readonly jobs: JourneyJobs,
    private readonly segments: SegmentsService,
    private readonly audit: AuditService,
  ) {}

  /** One event, as the events API or a test would report it. */
  trigger(contactId: string, eventType: string, properties: Record<string, unknown> = {}, occurredAt?: Date): Promise<TriggerResult> {
    return this.triggerMany([{ contactId, type: eventType, properties, occurredAt }]);
  }

  async triggerMany(events: readonly TriggerEvent[]): Promise<TriggerResult> {
    if (events.length === 0) return EMPTY;
    const result = await this.db.transaction((tx) => this.apply(tx, events));
    await this.jobs.advance([...result.enrolled, ...result.moved]);
    return result;
  }

  /** The effects of a batch of events, in the caller's transaction. Events are taken in the order given. */
  async apply(tx: EntityManager, events: readonly TriggerEvent[]): Promise<TriggerResult> {
    if (events.length === 0) return EMPTY;
    const now = this.clock.now();
    const normalized = events.map((e) => ({ ...e, type: e.type.toLowerCase(), properties: e.properties ?? {} }));
    const types = [...new Set(normalized.map((e) => e.type))];
    const journeys = await tx.query<{ id: string; version: number }[]>(
      `SELECT id::text AS id, current_version AS version FROM journeys WHERE status = 'active' AND trigger_kind = 'event' AND trigger_event_type = ANY($1::text[])`,
      [types],
    );
    const graphs = await this.repo.graphsOf(
      journeys.map((j) => ({ journeyId: j.id, version: j.version })),
      tx,
    );
    const entries: Entry[] = [];
    normalized.forEach((event, eventIndex) => {
      for (const j of journeys) {
        const graph = graphs.get(`${j.id}:${String(j.version)}`);
        const trigger = graph ? triggerOf(graph).trigger : null;
        if (!graph || trigger?.kind !== 'event' || trigger.eventType !== event.type || !matchesAll(event.properties, trigger.where)) continue;
        entries.push({
          journeyId: j.id,
          version: j.version,
          graph,
          contactId: event.contactId,
          context: { type: event.type, properties: event.properties },
          eventIndex,
        });
      }
    });
    const entered = await this.enter(tx, entries, now);
    const signalled = await this.signal(tx, normalized, entered, now);
    return { enrolled: [...entered.keys()], ...signalled };
  }

  /** `POST /journeys/:id/enroll`: one contact, with optional properties the templates and conditions can use. */
  async enroll(
    journeyId: string,
    contactId: string,
    properties: Record<string, unknown> = {},
    actor?: AuditActor,
  ): Promise<{ enrolled: boolean; enrollmentId: string | null }> {
    const ids = await this.db.transaction(async (tx) => {
      const [journey] = await tx.query<[{ status: string; version: number | null }?]>(
        `SELECT status, current_version AS version FROM journeys WHERE id = $1 FOR SHARE`,
        [journeyId],
      );
      if (!journey) throw new DomainError('journey_not_found', 'Journey not found', 404);
      if (journey.status !== 'active' || journey.version === null)
        throw new DomainError('journey_not_active', 'Only an active (published, not paused) journey takes enrollments', 409);
      const facts = await this.repo.contactFacts([contactId], tx);
      if (!facts.get(contactId)?.active)
        throw new DomainError('contact_not_found', 'No active contact with this id', 404, [{ field: 'contactId', message: 'no active contact' }]);
      const graph = await this.repo.graphOf(journeyId, journey.version, tx);
      if (!graph) throw new DomainError('journey_not_found', 'Journey not found', 404);
      const created = [
        ...(
          await this.enter(
            tx,
            [{ journeyId, version: journey.version, graph, contactId, context: { type: 'api', properties }, eventIndex: 0 }],
            this.clock.now(),
          )
        ).keys(),
      ];
      if (actor)
        await this.audit.record(
          { actor, action: 'journey.contact_enrolled', subject: { type: 'journey', id: journeyId }, details: { contactId, enrolled: created.length > 0 } },
          tx,
        );
      return created;
    });
    await this.jobs.advance(ids);
    return { enrolled: ids.length > 0, enrollmentId: ids[0] ?? null };
  }

  /**
   * Creates enrollments that the entry rules allow: `once` ever, `once_per_period` (not again within periodDays of the
   * last entry), `always`. Decided by an upsert on journey_contacts, so concurrent batches cannot both let a contact in.
   * Returns the new enrollment ids with the batch position of their enrolling event.
   */
  private async enter(tx: EntityManager, entries: readonly Entry[], now: Date): Promise<Map<string, Entry>> {
    const created = new Map<string, Entry>();
    if (entries.length === 0) return created;
    const facts = await this.repo.contactFacts(
      entries.map((e) => e.contactId),
      tx,
    );
    const byJourney = new Map<string, Entry[]>();
    for (const e of entries) {
      if (!facts.get(e.contactId)?.active) continue;
      const list = byJourney.get(e.journeyId) ?? [];
      list.push(e);
      byJourney.set(e.journeyId, list);
    }
    const allowed: Entry[] = [];
    for (const [journeyId, list] of byJourney) {
      const rule = list[0].graph.settings.entry;
      const first = new Map<string, Entry>();
      for (const e of list) if (!first.has(e.contactId)) first.set(e.contactId, e);
      const admitted = await tx.query<{ contact_id: string }[]>(
        `INSERT INTO journey_contacts (journey_id, contact_id, last_entered_at)
         SELECT $1, c, $2 FROM unnest($3::bigint[]) AS c
         ON CONFLICT (journey_id, contact_id) DO UPDATE SET last_entered_at = EXCLUDED.last_entered_at, entries = journey_contacts.entries + 1
          WHERE $4::text = 'always' OR ($4::text = 'once_per_period' AND journey_contacts.last_entered_at <= EXCLUDED.last_entered_at - make_interval(days => $5::int))
         RETURNING contact_id::text AS contact_id`,
        [journeyId, now, [...first.keys()], rule.rule, rule.periodDays ?? 0],
      );
      const ok = new Set(admitted.map((r) => r.contact_id));
      // `always` lets every event in (two bookings, two reminders); the other rules one entry per batch at most.
      allowed.push(...(rule.rule === 'always' ? list.filter((e) => ok.has(e.contactId)) : [...first.values()].filter((e) => ok.has(e.contactId))));
    }
    if (allowed.length === 0) return created;
    const ids = await nextIds(tx, 'journey_enrollments_id_seq', allowed.length);
    await tx.query(
      `INSERT INTO journey_enrollments (id, journey_id, version, contact_id, node_id, step_seq, arrived_at, next_wake_at, context_enc, entered_at)
       SELECT id, j, v, c, n, 0, $6, $6, ctx, $6 FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::bigint[], $5::text[], $7::bytea[]) AS x(id, j, v, c, n, ctx)`,
      [
        ids,
        allowed.map((e) => e.journeyId),
        allowed.map((e) => e.version),
        allowed.map((e) => e.contactId),
        allowed.map((e) => triggerOf(e.graph).id),
        now,
        allowed.map((e, i) => this.repo.sealContext(ids[i], e.context as unknown as Record<string, unknown>)),
      ],
    );
    allowed.forEach((e, i) => created.set(ids[i], e));
    return created;
  }

  /** Goals and awaited events for enrollments already running (and for those this batch created, from later events only). */
  private async signal(tx: EntityManager, events: readonly Required<Omit<TriggerEvent, 'occurredAt'>>[], created: Map<string, Entry>, now: Date) {
    const byContact = new Map<string, { index: number; type: string; properties: Record<string, unknown> }[]>();
    events.forEach((e, index) => {
      const list = byContact.get(e.contactId) ?? [];
      list.push({ index, type: e.type, properties: e.properties });
      byContact.set(e.contactId, list);
    });
    const candidates = await tx.query<{ id: string; journey_id: string; version: number; contact_id: string; wait_event: string | null }[]>(
      `SELECT id::text AS id, journey_id::text AS journey_id, version, contact_id::text AS contact_id, wait_event FROM journey_enrollments
        WHERE contact_id = ANY($1::bigint[]) AND state = 'active'`,
      [[...byContact.keys()]],
    );
    if (candidates.length === 0) return { moved: [], goals: [] };
    const graphs = await this.repo.graphsOf(
      candidates.map((c) => ({ journeyId: c.journey_id, version: c.version })),
      tx,
    );
    const goalsOf = (graph: JourneyGraph | undefined) => (graph?.nodes ?? []).filter((n): n is NodeOf<'goal'> => n.type === 'goal');
    const relevant = candidates.filter((c) => {
      const types = new Set((byContact.get(c.contact_id) ?? []).map((e) => e.type));
      return (
        (c.wait_event !== null && types.has(c.wait_event)) || goalsOf(graphs.get(`${c.journey_id}:${String(c.version)}`)).some((g) => types.has(g.eventType))
      );
    });
    if (relevant.length === 0) return { moved: [], goals: [] };
    // Locked in id order (no deadlock with another batch); rows come back as they are now, after any concurrent move.
    const locked = await tx.query<(EnrollmentRow & { wait_event: string | null })[]>(
      `SELECT id::text AS id, journey_id::text AS journey_id, version, contact_id::text AS contact_id, node_id, step_seq, arrived_at, context_enc,
              last_delivery_id::text AS last_delivery_id, wait_event
         FROM journey_enrollments WHERE id = ANY($1::bigint[]) AND state = 'active' ORDER BY id FOR UPDATE`,
      [relevant.map((r) => r.id)],
    );
    const steps: StepRecord[] = [];
    const positions: Position[] = [];
    const moved: string[] = [];
    const goals: string[] = [];
    for (const row of locked) {
      const graph = graphs.get(`${row.journey_id}:${String(row.version)}`);
      if (!graph) continue;
      const after = created.get(row.id)?.eventIndex ?? -1;
      const own = (byContact.get(row.contact_id) ?? []).filter((e) => e.index > after);
      if (own.length === 0) continue;
      const context = await this.repo.openContext(row.id, row.context_enc);
      const triggerProperties = (context.properties as Record<string, unknown> | undefined) ?? {};
      const node = graph.nodes.find((n) => n.id === row.node_id);
      const step = (nodeId: string, nodeType: StepRecord['nodeType'], outcome: string): StepRecord => ({
        enrollmentId: row.id,
        stepKey: `${String(row.step_seq)}:${nodeId}`,
        journeyId: row.journey_id,
        version: row.version,
        nodeId,
        nodeType,
        outcome,
        at: now,
      });
      for (const event of own) {
        const goal = goalsOf(graph).find((g) => g.eventType === event.type && matchesAll(event.properties, g.where, triggerProperties));
        if (goal) {
          steps.push(step(goal.id, 'goal', 'goal'));
          positions.push({ ...finished(row, goal.id), state: 'completed', exitReason: 'goal' });
          goals.push(row.id);
          break;
        }
        if (node?.type === 'wait_for_event' && row.wait_event === event.type && matchesAll(event.properties, node.where, triggerProperties)) {
          steps.push(step(node.id, node.type, 'event'));
          positions.push({
            id: row.id,
            state: 'active',
            nodeId: node.next,
            stepSeq: row.step_seq + 1,
            arrivedAt: now,
            nextWakeAt: now,
            waitEvent: null,
            exitReason: null,
          });
          moved.push(row.id);
          break;
        }
      }
    }
    await insertSteps(tx, steps);
    await writePositions(tx, positions, now);
    return { moved, goals };
  }

  /**
   * Segment-entry triggers: the members of each journey's segment now, against those seen at the last check; newcomers
   * enter. The first check only records who is there (unless the trigger says includeExisting).
   */
  async checkSegmentTriggers(): Promise<number> {
    const journeys = await this.db.query<{ id: string; version: number }[]>(
      `SELECT id::text AS id, current_version AS version FROM journeys WHERE status = 'active' AND trigger_kind = 'segment'`,
    );
    let total = 0;
    for (const j of journeys) {
      const graph = await this.repo.graphOf(j.id, j.version);
      const trigger = graph ? triggerOf(graph).trigger : null;
      if (!graph || trigger?.kind !== 'segment') continue;
      const now = this.clock.now();
      const members = await this.segments.members({ field: 'segment', segmentId: trigger.segmentId }, now.toISOString().slice(0, 10));
      const ids = await this.db.transaction(async (tx) => {
        const [seen] = await tx.query<[{ n: number }?]>(`SELECT 1 AS n FROM journey_trigger_checks WHERE journey_id = $1 FOR UPDATE`, [j.id]);
        const fresh = await tx.query<{ contact_id: string }[]>(
          `WITH m AS (SELECT unnest($2::bigint[]) AS contact_id),
                gone AS (DELETE FROM journey_segment_members s WHERE s.journey_id = $1 AND NOT EXISTS (SELECT 1 FROM m WHERE m.contact_id = s.contact_id))
           INSERT INTO journey_segment_members (journey_id, contact_id) SELECT $1, contact_id FROM m ON CONFLICT DO NOTHING RETURNING contact_id::text AS contact_id`,
          [j.id, members.ids],
        );
        await tx.query(
          `INSERT INTO journey_trigger_checks (journey_id, checked_at) VALUES ($1, $2) ON CONFLICT (journey_id) DO UPDATE SET checked_at = EXCLUDED.checked_at`,
          [j.id, now],
        );
        if (!seen && !trigger.includeExisting) return [];
        const entries = fresh.map((r) => ({
          journeyId: j.id,
          version: j.version,
          graph,
          contactId: r.contact_id,
          context: { type: 'segment.entered', properties: {} },
          eventIndex: 0,
        }));
        return [...(await this.enter(tx, entries, now)).keys()];
      });
      await this.jobs.advance(ids);
      total += ids.length;
    }
    return total;
  }

  /** Date triggers, once a day per journey: contacts whose date attribute plus the offset is today (UTC). */
  async checkDateTriggers(): Promise<number> {
    const now = this.clock.now();
    const today = now.toISOString().slice(0, 10);
    const journeys = await this.db.query<{ id: string; version: number }[]>(
      `SELECT j.id::text AS id, j.current_version AS version FROM journeys j LEFT JOIN journey_trigger_checks c ON c.journey_id = j.id
        WHERE j.status = 'active' AND j.trigger_kind = 'date_attribute' AND (c.checked_on IS NULL OR c.checked_on < $1::date)`,
      [today],
    );
    let total = 0;
    for (const j of journeys) {
      const graph = await this.repo.graphOf(j.id, j.version);
      const trigger = graph ? triggerOf(graph).trigger : null;
      if (!graph || trigger?.kind !== 'date_attribute') continue;
      // The contacts whose date, moved by the offset, is today: their date is today moved back by the offset.
      const day = trigger.offset
        ? addDuration(new Date(`${today}T00:00:00Z`), { ...trigger.offset, value: -trigger.offset.value })
            .toISOString()
            .slice(0, 10)
        : today;
      const members = await this.segments.members(dateRule(trigger.attribute, day), today);
      const ids = await this.db.transaction(async (tx) => {
        const claimed = await tx.query<{ journey_id: string }[]>(
          `INSERT INTO journey_trigger_checks (journey_id, checked_at, checked_on) VALUES ($1, $2, $3::date)
           ON CONFLICT (journey_id) DO UPDATE SET checked_at = EXCLUDED.checked_at, checked_on = EXCLUDED.checked_on
            WHERE journey_trigger_checks.checked_on IS NULL OR journey_trigger_checks.checked_on < EXCLUDED.checked_on
           RETURNING journey_id`,
          [j.id, now, today],
        );
        // Another scheduler did today's check first.
        if (claimed.length === 0) return [];
        const entries = members.ids.map((contactId) => ({
          journeyId: j.id,
          version: j.version,
          graph,
          contactId,
          context: { type: 'date.reached', properties: {} },
          eventIndex: 0,
        }));
        return [...(await this.enter(tx, entries, now)).keys()];
      });
      await this.jobs.advance(ids);
      total += ids.length;
    }
    return total;
  }
}

/** The segment rule for "this date attribute is `day`": visit dates by their leaves, custom date attributes by range. */
export function dateRule(attribute: string, day: string): SegmentRule {
  if (attribute === 'lastVisitDate') return { field: 'lastVisit', after: addDays(day, -1), before: addDays(day, 1) };
  if (attribute === 'nextVisitDate') return { field: 'nextVisit', after: addDays(day, -1), before: addDays(day, 1) };
  return { field: 'attribute', key: attribute, from: day, to: day };
}

function finished(row: EnrollmentRow, nodeId: string): Omit<Position, 'state' | 'exitReason'> {
  return { id: row.id, nodeId, stepSeq: row.step_seq + 1, arrivedAt: row.arrived_at, nextWakeAt: null, waitEvent: null };
}
