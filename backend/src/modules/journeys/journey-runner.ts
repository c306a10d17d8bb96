import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditActor } from '../audit/index.js';
import { ConsentService } from '../consent/index.js';
import { ContactsService, type ProcessingRecord } from '../contacts/index.js';
import { DeliveryService, type DeliveryRequest } from '../delivery/index.js';
import { EngagementService } from '../engagement/index.js';
import { SegmentsService } from '../segments/index.js';
import { type WebhookEventType, type WebhookPayload, WebhooksService } from '../webhooks/index.js';
import { compare, valueAt } from './journey-conditions.js';
import { JourneyClock } from './journey-clock.js';
import { addDuration, type BranchCondition, type JourneyGraph, type JourneyNode, type NodeOf } from './journey-graph.js';
import { JourneyJobs } from './journey-jobs.js';
import { instantOf, quietUntil } from './journey-time.js';
import { type ContactFacts, JourneyRepository } from './journey.repository.js';
import type { EnrollmentState, SealedContext } from './journeys.types.js';

export const JOURNEY_ACTOR: AuditActor = { type: 'system', id: 'journeys' };
/**
 * The event type of a webhook node's post. Not one a subscription can subscribe to: a node posts to the subscription
 * it names, whatever types that subscription listens to.
 */
const JOURNEY_WEBHOOK_TYPE = 'journey.step' as WebhookEventType;
/** Moves one enrollment may make in one pass; validation forbids cycles without a wait, this only guards against surprises. */
const MAX_HOPS = 250;

export interface EnrollmentRow {
  id: string;
  journey_id: string;
  version: number;
  contact_id: string;
  node_id: string;
  step_seq: number;
  arrived_at: Date;
  context_enc: Buffer | null;
  last_delivery_id: string | null;
}

const ENROLLMENT_COLUMNS = `e.id::text AS id, e.journey_id::text AS journey_id, e.version, e.contact_id::text AS contact_id, e.node_id, e.step_seq,
  e.arrived_at, e.context_enc, e.last_delivery_id::text AS last_delivery_id`;

export interface StepRecord {
  enrollmentId: string;
  stepKey: string;
  journeyId: string;
  version: number;
  nodeId: string;
  nodeType: JourneyNode['type'];
  outcome: string;
  at: Date;
}

/** Where an enrollment stands after a pass. */
export interface Position {
  id: string;
  state: EnrollmentState;
  nodeId: string;
  stepSeq: number;
  arrivedAt: Date;
  nextWakeAt: Date | null;
  waitEvent: string | null;
  exitReason: string | null;
}

type Result =
  | { kind: 'move'; next: string; outcome: string; deliveryKey?: string }
  | { kind: 'hold'; until: Date; waitEvent?: string }
  | { kind: 'end'; state: Exclude<EnrollmentState, 'active'>; reason: string; outcome: string };

/** Data loaded once per pass and shared by the enrollments in it. */
class Pass {
  readonly steps: StepRecord[] = [];
  readonly sends: (DeliveryRequest & { idempotencyKey: string })[] = [];
  readonly hooks: { subscriptionId: number; eventKey: string; payload: WebhookPayload }[] = [];
  private readonly contexts = new Map<string, Promise<SealedContext>>();
  private readonly records = new Map<string, Promise<ProcessingRecord | undefined>>();
  private readonly segments = new Map<number, Promise<Set<string>>>();

  constructor(
    readonly now: Date,
    readonly tx: EntityManager,
    readonly facts: Map<string, ContactFacts>,
    private readonly runner: JourneyRunner,
  ) {}

  context(e: EnrollmentRow): Promise<SealedContext> {
    let p = this.contexts.get(e.id);
    if (!p) {
      p = this.runner.openContext(e);
      this.contexts.set(e.id, p);
    }
    return p;
  }

  /** The contact's PHI, decrypted in the worker for an attribute branch or a wait relative to a date; never logged. */
  record(contactId: string): Promise<ProcessingRecord | undefined> {
    let p = this.records.get(contactId);
    if (!p) {
      p = this.runner.recordOf(contactId);
      this.records.set(contactId, p);
    }
    return p;
  }

  members(segmentId: number): Promise<Set<string>> {
    let p = this.segments.get(segmentId);
    if (!p) {
      p = this.runner.membersOf(segmentId, this.now);
      this.segments.set(segmentId, p);
    }
    return p;
  }
}

/**
 * Runs enrollments forward. A pass locks the due enrollments it is given (SKIP LOCKED: another worker's are left
 * to it), interprets each from its current node until it must wait or ends, queues the messages of the send steps
 * in one call (idempotency key `journey:<enrollment>:<step key>`, so a pass re-run after a crash finds them
 * already queued), then records the steps and the moves in the same transaction. A step key is
 * `<moves so far>:<node id>`, unique per enrollment: a step is recorded, and its side effects kept, at most once.
 */
@Injectable()
export class JourneyRunner {
  private readonly logger = new Logger(JourneyRunner.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: JourneyRepository,
    private readonly clock: JourneyClock,
    private readonly jobs: JourneyJobs,
    private readonly deliveries: DeliveryService,
    private readonly contacts: ContactsService,
    private readonly consent: ConsentService,
    private readonly segments: SegmentsService,
    private readonly engagement: EngagementService,
    private readonly webhooks: WebhooksService,
  ) {}

  /** Advances the given enrollments if they are due and not taken. Returns how many were run. */
  async advance(enrollmentIds: readonly string[]): Promise<number> {
    if (enrollmentIds.length === 0) return 0;
    return this.pass((tx, now) =>
      tx.query<EnrollmentRow[]>(
        `SELECT ${ENROLLMENT_COLUMNS} FROM journey_enrollments e JOIN journeys j ON j.id = e.journey_id
          WHERE e.id = ANY($1::bigint[]) AND e.state = 'active' AND e.next_wake_at <= $2 AND j.status = 'active'
          ORDER BY e.id FOR UPDATE OF e SKIP LOCKED`,
        [enrollmentIds, now],
      ),
    );
  }

  /** Runs up to `limit` enrollments that are due now. */
  async advanceDue(limit = 200): Promise<number> {
    return this.pass((tx, now) =>
      tx.query<EnrollmentRow[]>(
        `SELECT ${ENROLLMENT_COLUMNS} FROM journey_enrollments e JOIN journeys j ON j.id = e.journey_id
          WHERE e.state = 'active' AND e.next_wake_at <= $1 AND j.status = 'active'
          ORDER BY e.next_wake_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED`,
        [now, limit],
      ),
    );
  }

  /** Everything due, in passes, until nothing is left or the time budget is spent (then a wake job takes over). */
  async runDue(budgetMs = 20_000): Promise<number> {
    const started = Date.now();
    let total = 0;
    for (;;) {
      const n = await this.advanceDue();
      total += n;
      if (n === 0) return total;
      if (Date.now() - started > budgetMs) {
        await this.jobs.wakeNow();
        return total;
      }
    }
  }

  /**
   * The sweeper's check: enrollments due for more than `graceMs` have lost their job (Redis flushed, a worker killed
   * mid-job); one wake-up job runs them all. Returns how many were overdue (counted up to 10,000).
   */
  async requeueOverdue(graceMs = 5_000): Promise<number> {
    const before = new Date(this.clock.now().getTime() - graceMs);
    await this.requeueUnsent(before);
    const [row] = await this.db.query<[{ n: number }]>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM journey_enrollments e JOIN journeys j ON j.id = e.journey_id
          WHERE e.state = 'active' AND e.next_wake_at <= $1 AND j.status = 'active' LIMIT 10000) x`,
      [before],
    );
    if (row.n) await this.jobs.wakeNow();
    return row.n;
  }

  /** Send steps recorded before `before` whose message was never queued (the process died in between): queued now, by the same key. */
  async requeueUnsent(before: Date): Promise<number> {
    const rows = await this.db.query<(EnrollmentRow & { step_key: string; step_node: string })[]>(
      `SELECT ${ENROLLMENT_COLUMNS}, s.step_key, s.node_id AS step_node
         FROM journey_steps s JOIN journey_enrollments e ON e.id = s.enrollment_id
        WHERE s.node_type = 'send' AND s.outcome = 'queued' AND s.delivery_id IS NULL AND s.at <= $1
        ORDER BY s.at LIMIT 1000`,
      [before],
    );
    if (rows.length === 0) return 0;
    const graphs = await this.repo.graphsOf(rows.map((r) => ({ journeyId: r.journey_id, version: r.version })));
    const sends: (DeliveryRequest & { idempotencyKey: string })[] = [];
    for (const r of rows) {
      const node = graphs.get(`${r.journey_id}:${String(r.version)}`)?.nodes.find((n) => n.id === r.step_node);
      if (node?.type !== 'send') continue;
      sends.push(this.sendRequest(r, node, r.step_key, templateContext(await this.openContext(r))));
    }
    await this.deliver(sends);
    this.logger.warn({ requeued: sends.length }, 'journey messages queued again after a lost pass');
    return sends.length;
  }

  private sendRequest(
    row: EnrollmentRow,
    node: NodeOf<'send'>,
    stepKey: string,
    context: Record<string, unknown>,
  ): DeliveryRequest & { idempotencyKey: string } {
    return {
      idempotencyKey: `journey:${row.id}:${stepKey}`,
      templateVersionId: node.templateVersionId as number,
      contactId: row.contact_id,
      topicId: node.topicId ?? null,
      purpose: 'journey',
      journeyId: row.journey_id,
      enrollmentId: row.id,
      stepKey,
      context,
    };
  }

  /**
   * One pass: in a short transaction, lock the rows, interpret them and record their steps and moves; then, outside it,
   * queue the messages of the send steps just recorded (an outbox: a step whose message is not queued yet has no
   * delivery id, and `requeueOverdue` queues it again by the same idempotency key if this process dies first).
   */
  private async pass(select: (tx: EntityManager, now: Date) => Promise<EnrollmentRow[]>): Promise<number> {
    const now = this.clock.now();
    const { positions, sends, hooks } = await this.db.transaction(async (tx) => {
      const rows = await select(tx, now);
      if (rows.length === 0) return { positions: [] as Position[], sends: [], hooks: [] as string[] };
      const graphs = await this.repo.graphsOf(
        rows.map((r) => ({ journeyId: r.journey_id, version: r.version })),
        tx,
      );
      const pass = new Pass(
        now,
        tx,
        await this.repo.contactFacts(
          rows.map((r) => r.contact_id),
          tx,
        ),
        this,
      );
      const moved: Position[] = [];
      for (const row of rows) {
        const graph = graphs.get(`${row.journey_id}:${String(row.version)}`);
        const mark = { steps: pass.steps.length, sends: pass.sends.length, hooks: pass.hooks.length };
        try {
          moved.push(graph ? await this.interpret(row, graph, pass) : this.fail(row, 'graph_missing'));
        } catch (err) {
          // One enrollment that cannot run must not hold back the others: its steps of this pass are dropped, and its
          // error code (never a message: it could hold data) is kept.
          pass.steps.length = mark.steps;
          pass.sends.length = mark.sends;
          pass.hooks.length = mark.hooks;
          const code = (err as { code?: string }).code ?? 'step_error';
          this.logger.warn({ enrollmentId: row.id, code }, 'journey step failed');
          moved.push(this.fail(row, code));
        }
      }
      await insertSteps(tx, pass.steps);
      await writePositions(tx, moved, this.clock.now());
      // Webhook posts are recorded with their steps (unique per subscription and step key), sent after commit.
      const hooks = await this.webhooks.createDeliveries(tx, pass.hooks);
      return { positions: moved, sends: pass.sends, hooks };
    });
    await this.deliver(sends);
    await this.webhooks.enqueue(hooks);
    await this.jobs.wakeAt(positions.flatMap((p) => (p.state === 'active' && p.nextWakeAt && p.nextWakeAt > now ? [p.nextWakeAt] : [])));
    return positions.length;
  }

  /**
   * Queues the messages of recorded send steps (existing idempotency keys are left alone, so a repeat is harmless) and
   * links each step, and its enrollment's last message, to the delivery. A refused request fails its step only.
   */
  private async deliver(sends: readonly (DeliveryRequest & { idempotencyKey: string })[]): Promise<void> {
    if (sends.length === 0) return;
    const failed = new Map<string, string>();
    try {
      await this.deliveries.enqueue(sends);
    } catch {
      for (const send of sends) {
        try {
          await this.deliveries.enqueue([send]);
        } catch (err) {
          failed.set(send.idempotencyKey, `send_failed:${(err as { code?: string }).code ?? 'error'}`);
        }
      }
    }
    const ids = await this.repo.deliveryIdsByKey(sends.map((s) => s.idempotencyKey));
    await this.db.query(
      `WITH x AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS x(enrollment_id, step_key, delivery_id, outcome)),
            steps AS (UPDATE journey_steps s SET delivery_id = x.delivery_id, outcome = coalesce(x.outcome, s.outcome)
                        FROM x WHERE s.enrollment_id = x.enrollment_id AND s.step_key = x.step_key)
       UPDATE journey_enrollments e SET last_delivery_id = l.delivery_id
         FROM (SELECT enrollment_id, max(delivery_id) AS delivery_id FROM x GROUP BY enrollment_id) l
        WHERE e.id = l.enrollment_id AND l.delivery_id IS NOT NULL AND (e.last_delivery_id IS NULL OR e.last_delivery_id < l.delivery_id)`,
      [
        sends.map((s) => s.enrollmentId),
        sends.map((s) => s.stepKey),
        sends.map((s) => ids.get(s.idempotencyKey) ?? null),
        sends.map((s) => failed.get(s.idempotencyKey) ?? null),
      ],
    );
  }

  private fail(row: EnrollmentRow, reason: string): Position {
    return {
      id: row.id,
      state: 'failed',
      nodeId: row.node_id,
      stepSeq: row.step_seq,
      arrivedAt: row.arrived_at,
      nextWakeAt: null,
      waitEvent: null,
      exitReason: reason,
    };
  }

  /** Runs one enrollment from its node until it waits or ends, collecting steps and sends in the pass. */
  private async interpret(row: EnrollmentRow, graph: JourneyGraph, pass: Pass): Promise<Position> {
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    let node = nodes.get(row.node_id);
    let seq = row.step_seq;
    let arrivedAt = row.arrived_at;
    let lastDeliveryKey: string | null = null;
    let lastDeliveryId = row.last_delivery_id;
    for (let hop = 0; hop < MAX_HOPS && node; hop++) {
      const result = await this.execute(node, row, graph, pass, { arrivedAt, lastDeliveryId, lastDeliveryKey, stepKey: `${String(seq)}:${node.id}` });
      if (result.kind === 'hold') {
        return {
          id: row.id,
          state: 'active',
          nodeId: node.id,
          stepSeq: seq,
          arrivedAt,
          nextWakeAt: result.until,
          waitEvent: result.waitEvent ?? null,
          exitReason: null,
        };
      }
      pass.steps.push({
        enrollmentId: row.id,
        stepKey: `${String(seq)}:${node.id}`,
        journeyId: row.journey_id,
        version: row.version,
        nodeId: node.id,
        nodeType: node.type,
        outcome: result.outcome,
        at: pass.now,
      });
      seq += 1;
      if (result.kind === 'end') {
        return {
          id: row.id,
          state: result.state,
          nodeId: node.id,
          stepSeq: seq,
          arrivedAt,
          nextWakeAt: null,
          waitEvent: null,
          exitReason: result.reason,
        };
      }
      if (result.deliveryKey) {
        lastDeliveryKey = result.deliveryKey;
        lastDeliveryId = null;
      }
      node = nodes.get(result.next);
      arrivedAt = pass.now;
    }
    return this.fail({ ...row, step_seq: seq }, node ? 'too_many_steps' : 'node_missing');
  }

  private async execute(
    node: JourneyNode,
    row: EnrollmentRow,
    graph: JourneyGraph,
    pass: Pass,
    at: { arrivedAt: Date; lastDeliveryId: string | null; lastDeliveryKey: string | null; stepKey: string },
  ): Promise<Result> {
    const now = pass.now;
    switch (node.type) {
      case 'trigger':
        return { kind: 'move', next: node.next, outcome: 'entered' };
      case 'send': {
        const facts = pass.facts.get(row.contact_id);
        if (!facts?.active) return { kind: 'end', state: 'exited', reason: 'contact_erased', outcome: 'contact_erased' };
        const quiet = graph.settings.quietHours;
        if (quiet && !node.ignoreQuietHours) {
          const until = quietUntil(now, quiet, facts.timeZone ?? quiet.timeZone);
          if (until) return { kind: 'hold', until };
        }
        const send = this.sendRequest(row, node, at.stepKey, templateContext(await pass.context(row)));
        pass.sends.push(send);
        return { kind: 'move', next: node.next, outcome: 'queued', deliveryKey: send.idempotencyKey };
      }
      case 'wait': {
        const target = addDuration(at.arrivedAt, node.duration);
        return target <= now ? { kind: 'move', next: node.next, outcome: 'waited' } : { kind: 'hold', until: target };
      }
      case 'wait_until': {
        const base =
          node.relativeTo.source === 'event'
            ? instantOf(valueAt((await pass.context(row)).properties, node.relativeTo.property))
            : instantOf(attributeOf(await pass.record(row.contact_id), node.relativeTo.attribute));
        if (!base) return { kind: 'move', next: node.pastNext ?? node.next, outcome: 'missing_date' };
        const target = addDuration(base, node.offset);
        // Already past when the enrollment got here (booked 24 h ahead, a 48-hour reminder): take the other way.
        if (target <= at.arrivedAt) return { kind: 'move', next: node.pastNext ?? node.next, outcome: 'past' };
        return target <= now ? { kind: 'move', next: node.next, outcome: 'waited' } : { kind: 'hold', until: target };
      }
      case 'wait_for_event': {
        // The event itself moves the enrollment (JourneyTriggers); here only the timeout.
        const target = addDuration(at.arrivedAt, node.timeout);
        return target <= now ? { kind: 'move', next: node.timeoutNext, outcome: 'timeout' } : { kind: 'hold', until: target, waitEvent: node.eventType };
      }
      case 'branch': {
        const yes = await this.holds(node.condition, row, pass, at);
        return { kind: 'move', next: yes ? node.yes : node.no, outcome: yes ? 'yes' : 'no' };
      }
      case 'split': {
        const bucket = createHash('sha256').update(`${row.id}:${node.id}`).digest().readUInt32BE(0) % 100;
        let acc = 0;
        const index = node.branches.findIndex((b) => (acc += b.percent) > bucket);
        const chosen = index < 0 ? node.branches.length - 1 : index;
        return { kind: 'move', next: node.branches[chosen].next, outcome: `branch:${String(chosen)}` };
      }
      case 'update':
        return { kind: 'move', next: node.next, outcome: await this.update(node, row, pass) };
      case 'webhook': {
        // Identifiers only: the receiver looks up what it may know.
        const eventKey = `journey:${row.id}:${at.stepKey}`;
        pass.hooks.push({
          subscriptionId: node.subscriptionId,
          eventKey,
          payload: {
            id: eventKey,
            type: JOURNEY_WEBHOOK_TYPE,
            occurredAt: now.toISOString(),
            data: { journeyId: row.journey_id, version: row.version, enrollmentId: row.id, contactId: row.contact_id, nodeId: node.id, stepKey: at.stepKey },
          },
        });
        return { kind: 'move', next: node.next, outcome: 'posted' };
      }
      case 'goal':
        return { kind: 'end', state: 'completed', reason: 'goal', outcome: 'goal' };
      case 'exit':
        return { kind: 'end', state: 'completed', reason: 'exit', outcome: 'exit' };
    }
  }

  private async holds(
    condition: BranchCondition,
    row: EnrollmentRow,
    pass: Pass,
    at: { lastDeliveryId: string | null; lastDeliveryKey: string | null },
  ): Promise<boolean> {
    switch (condition.kind) {
      case 'attribute':
        return compare(attributeOf(await pass.record(row.contact_id), condition.attribute), condition.op, condition.value);
      case 'event_property':
        return compare(valueAt((await pass.context(row)).properties, condition.property), condition.op, condition.value);
      case 'segment':
        return (await pass.members(condition.segmentId)).has(row.contact_id);
      case 'engagement': {
        const deliveryId = condition.nodeId ? await this.deliveryOfNode(pass.tx, row.id, condition.nodeId) : at.lastDeliveryKey ? null : at.lastDeliveryId;
        if (!deliveryId) return false;
        const events = await this.engagement.forDelivery(deliveryId);
        // A click implies the message was opened; opens by privacy proxies and scanners' clicks do not count.
        const wanted = condition.event === 'opened' ? ['opened', 'clicked'] : ['clicked'];
        return events.some((e) => wanted.includes(e.type) && !e.machine);
      }
    }
  }

  private async deliveryOfNode(tx: EntityManager, enrollmentId: string, nodeId: string): Promise<string | null> {
    const [row] = await tx.query<[{ delivery_id: string }?]>(
      `SELECT delivery_id::text AS delivery_id FROM journey_steps WHERE enrollment_id = $1 AND node_id = $2 AND delivery_id IS NOT NULL ORDER BY at DESC LIMIT 1`,
      [enrollmentId, nodeId],
    );
    return row?.delivery_id ?? null;
  }

  private async update(node: NodeOf<'update'>, row: EnrollmentRow, pass: Pass): Promise<string> {
    const change = node.update;
    if (change.kind === 'topic') {
      // In the pass's transaction: the consent change and the step are recorded together.
      const n = await this.consent.recordIfChanged(pass.tx, [
        { contactId: row.contact_id, topicId: change.topicId, status: change.status, method: 'api', source: `journey:${row.journey_id}`, actor: JOURNEY_ACTOR },
      ]);
      return n ? 'updated' : 'unchanged';
    }
    try {
      // ContactsService.update replaces the custom attributes as a whole, so the others go along unchanged. Setting a
      // value is idempotent: if this pass is rolled back and re-run, the second write changes nothing.
      const record = await pass.record(row.contact_id);
      const attributes = { ...record?.phi.attributes, ...record?.attributes, [change.attribute]: change.value };
      await this.contacts.update(row.contact_id, { attributes }, JOURNEY_ACTOR);
      return 'updated';
    } catch (err) {
      return `update_failed:${(err as { code?: string }).code ?? 'error'}`;
    }
  }

  async openContext(e: EnrollmentRow): Promise<SealedContext> {
    const opened = await this.repo.openContext(e.id, e.context_enc);
    return { type: typeof opened.type === 'string' ? opened.type : 'api', properties: (opened.properties as Record<string, unknown> | undefined) ?? {} };
  }

  async recordOf(contactId: string): Promise<ProcessingRecord | undefined> {
    return (await this.contacts.phiForProcessingMany([contactId])).get(contactId);
  }

  async membersOf(segmentId: number, now: Date): Promise<Set<string>> {
    return new Set((await this.segments.members({ field: 'segment', segmentId }, now.toISOString().slice(0, 10))).ids);
  }
}

/**
 * Records steps in one statement; a step key seen before for the enrollment is a unique violation, never a second run.
 * Send steps get their delivery id once the message is queued (see `deliver`).
 */
export async function insertSteps(tx: EntityManager, steps: readonly StepRecord[]): Promise<void> {
  if (steps.length === 0) return;
  await tx.query(
    `INSERT INTO journey_steps (enrollment_id, step_key, journey_id, version, node_id, node_type, outcome, at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])`,
    [
      steps.map((s) => s.enrollmentId),
      steps.map((s) => s.stepKey),
      steps.map((s) => s.journeyId),
      steps.map((s) => s.version),
      steps.map((s) => s.nodeId),
      steps.map((s) => s.nodeType),
      steps.map((s) => s.outcome),
      steps.map((s) => s.at),
    ],
  );
}

/** Writes enrollments' new positions in one statement. */
export async function writePositions(tx: EntityManager, moved: readonly Position[], now: Date): Promise<void> {
  if (moved.length === 0) return;
  await tx.query(
    `UPDATE journey_enrollments e
        SET state = x.state, node_id = x.node_id, step_seq = x.step_seq, arrived_at = x.arrived_at, next_wake_at = x.next_wake_at,
            wait_event = x.wait_event, exit_reason = x.exit_reason, finished_at = CASE WHEN x.state = 'active' THEN NULL ELSE $9::timestamptz END, updated_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[])
            AS x(id, state, node_id, step_seq, arrived_at, next_wake_at, wait_event, exit_reason)
      WHERE e.id = x.id`,
    [
      moved.map((m) => m.id),
      moved.map((m) => m.state),
      moved.map((m) => m.nodeId),
      moved.map((m) => m.stepSeq),
      moved.map((m) => m.arrivedAt),
      moved.map((m) => m.nextWakeAt),
      moved.map((m) => m.waitEvent),
      moved.map((m) => m.exitReason),
      now,
    ],
  );
}

/** A contact's field or custom attribute by name: PHI fields, PHI custom attributes, then plain custom attributes. */
export function attributeOf(record: ProcessingRecord | undefined, name: string): unknown {
  if (!record) return undefined;
  const phi = record.phi as unknown as Record<string, unknown>;
  const plain = record.attributes as Record<string, unknown>;
  return phi[name] ?? record.phi.attributes?.[name] ?? plain[name] ?? (name === 'timeZone' ? record.timeZone : undefined);
}

/** What a journey message's template sees of the enrolling event: `{{event.startsAt}}`, and `{{appointment.startsAt}}` for `appointment.*` events. */
export function templateContext(context: SealedContext): Record<string, unknown> {
  const prefix = context.type.split('.')[0];
  const out: Record<string, unknown> = { event: { type: context.type, ...context.properties } };
  if (prefix && !['event', 'contact', 'unsubscribe_url', 'preferences_url'].includes(prefix) && Object.keys(context.properties).length)
    out[prefix] = context.properties;
  return out;
}
