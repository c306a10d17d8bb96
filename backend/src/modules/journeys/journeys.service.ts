import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError, type FieldProblem } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { TopicsService } from '../consent/index.js';
import { AttributesService, CONTACT_FIELDS } from '../contacts/index.js';
import { SavedSegmentsService } from '../segments/index.js';
import { TemplatesService } from '../templates/index.js';
import { WebhooksService } from '../webhooks/index.js';
import { JourneyClock } from './journey-clock.js';
import { type JourneyGraph, type JourneyNode, parseGraph, triggerOf } from './journey-graph.js';
import { JourneyJobs } from './journey-jobs.js';
import { writePositions } from './journey-runner.js';
import { JourneyRepository } from './journey.repository.js';
import type { EnrollmentState, EnrollmentView, JourneyStatus, JourneyView, StepView } from './journeys.types.js';

interface JourneyRow {
  id: string;
  name: string;
  description: string;
  status: JourneyStatus;
  draft: Record<string, unknown>;
  current_version: number | null;
  trigger_kind: string | null;
  trigger_event_type: string | null;
  created_at: Date;
  updated_at: Date;
}

interface EnrollmentRow {
  id: string;
  journey_id: string;
  version: number;
  contact_id: string;
  state: EnrollmentState;
  node_id: string;
  next_wake_at: Date | null;
  wait_event: string | null;
  exit_reason: string | null;
  entered_at: Date;
  finished_at: Date | null;
}

export interface JourneyInput {
  name?: string;
  description?: string;
  graph?: unknown;
}

const JOURNEY_COLUMNS = `id::text AS id, name, description, status, draft, current_version, trigger_kind, trigger_event_type, created_at, updated_at`;
const DATE_FIELDS = new Set(['birthDate', 'lastVisitDate', 'nextVisitDate']);
const ID = /^\d{1,18}$/;

/** A graph to start from: a trigger on an API call straight to an exit. */
const BLANK: JourneyGraph = {
  nodes: [
    { id: 'trigger', type: 'trigger', trigger: { kind: 'api' }, next: 'exit' },
    { id: 'exit', type: 'exit' },
  ],
  settings: { entry: { rule: 'once' } },
};

/**
 * Journeys as the marketer manages them: a draft graph edited freely, validated on demand and on publish (400 naming
 * each node's problem), published as a frozen version (templates pinned to their published version then), paused,
 * resumed, archived. Running enrollments stay on their version unless moved explicitly with `migrate`.
 */
@Injectable()
export class JourneysService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: JourneyRepository,
    private readonly clock: JourneyClock,
    private readonly jobs: JourneyJobs,
    private readonly audit: AuditService,
    private readonly templates: TemplatesService,
    private readonly topics: TopicsService,
    private readonly attributes: AttributesService,
    private readonly savedSegments: SavedSegmentsService,
    private readonly webhooks: WebhooksService,
  ) {}

  async list(page: { offset: number; limit: number }, status?: JourneyStatus): Promise<{ data: JourneyView[]; total: number }> {
    const [{ total }] = await this.db.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM journeys WHERE ($1::text IS NULL OR status = $1)`, [
      status ?? null,
    ]);
    const rows = await this.db.query<JourneyRow[]>(
      `SELECT ${JOURNEY_COLUMNS} FROM journeys WHERE ($1::text IS NULL OR status = $1) ORDER BY journeys.id DESC OFFSET $2 LIMIT $3`,
      [status ?? null, page.offset, page.limit],
    );
    return { data: await Promise.all(rows.map((r) => this.view(r))), total };
  }

  async get(id: string): Promise<JourneyView> {
    return this.view(await this.row(id));
  }

  async create(input: JourneyInput, actor: AuditActor): Promise<{ journey: JourneyView; problems: FieldProblem[] }> {
    if (!input.name?.trim()) throw new DomainError('journey_invalid', 'name: required', 400, [{ field: 'name', message: 'required' }]);
    const draft = input.graph === undefined ? BLANK : input.graph;
    assertObject(draft);
    const [row] = await this.db.query<[{ id: string }]>(
      `INSERT INTO journeys (name, description, draft, created_by) VALUES ($1, $2, $3::jsonb, $4) RETURNING id::text AS id`,
      [input.name.trim(), input.description ?? '', JSON.stringify(draft), actor.id ?? null],
    );
    await this.audit.record({ actor, action: 'journey.created', subject: { type: 'journey', id: row.id } });
    return { journey: await this.get(row.id), problems: await this.problems(draft) };
  }

  async update(id: string, input: JourneyInput, actor: AuditActor): Promise<{ journey: JourneyView; problems: FieldProblem[] }> {
    const current = await this.row(id);
    if (current.status === 'archived') throw new DomainError('journey_archived', 'An archived journey cannot be changed', 409);
    if (input.name !== undefined && !input.name.trim())
      throw new DomainError('journey_invalid', 'name: required', 400, [{ field: 'name', message: 'required' }]);
    if (input.graph !== undefined) assertObject(input.graph);
    await this.db.query(
      `UPDATE journeys SET name = coalesce($2, name), description = coalesce($3, description), draft = coalesce($4::jsonb, draft), updated_at = now() WHERE id = $1`,
      [id, input.name?.trim() ?? null, input.description ?? null, input.graph === undefined ? null : JSON.stringify(input.graph)],
    );
    await this.audit.record({ actor, action: 'journey.updated', subject: { type: 'journey', id } });
    const journey = await this.get(id);
    return { journey, problems: await this.problems(journey.draft) };
  }

  /** Every problem of a graph, each naming its node: shape, structure, and references (templates, topics, segments, attributes). */
  async problems(input: unknown): Promise<FieldProblem[]> {
    const parsed = parseGraph(input);
    if (!parsed.graph) return parsed.problems;
    return this.referenceProblems(parsed.graph);
  }

  /** Validates the draft, pins each send to its template's published version, and makes it the current version. */
  async publish(id: string, actor: AuditActor): Promise<JourneyView> {
    const current = await this.row(id);
    if (current.status === 'archived') throw new DomainError('journey_archived', 'An archived journey cannot be published', 409);
    const parsed = parseGraph(current.draft);
    const problems = parsed.graph ? await this.referenceProblems(parsed.graph) : parsed.problems;
    if (!parsed.graph || problems.length) throw invalid(problems);
    const graph = await this.pinTemplates(parsed.graph);
    const trigger = triggerOf(graph).trigger;
    await this.db.transaction(async (tx) => {
      const [locked] = await tx.query<[{ current_version: number | null; status: JourneyStatus }]>(
        `SELECT current_version, status FROM journeys WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const next = (locked.current_version ?? 0) + 1;
      await tx.query(`INSERT INTO journey_versions (journey_id, version, graph, source, published_by) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)`, [
        id,
        next,
        JSON.stringify(graph),
        JSON.stringify(current.draft),
        actor.id ?? null,
      ]);
      await tx.query(
        `UPDATE journeys SET current_version = $2, status = CASE WHEN status = 'draft' THEN 'active' ELSE status END, trigger_kind = $3, trigger_event_type = $4,
                updated_at = now() WHERE id = $1`,
        [id, next, trigger.kind, trigger.kind === 'event' ? trigger.eventType : null],
      );
      await this.audit.record(
        { actor, action: 'journey.published', subject: { type: 'journey', id }, details: { version: next, nodes: graph.nodes.length, trigger: trigger.kind } },
        tx,
      );
    });
    return this.get(id);
  }

  async pause(id: string, actor: AuditActor): Promise<JourneyView> {
    return this.setStatus(id, 'paused', ['active'], actor);
  }

  /** Resumes a paused journey; waits that ended while paused run at once (sends still respect quiet hours). */
  async resume(id: string, actor: AuditActor): Promise<JourneyView> {
    const view = await this.setStatus(id, 'active', ['paused'], actor);
    await this.jobs.wakeNow();
    return view;
  }

  /** Ends the journey: no new enrollments, running ones exit. */
  async archive(id: string, actor: AuditActor): Promise<JourneyView> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.query<[{ status: JourneyStatus }?]>(`SELECT status FROM journeys WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) throw new DomainError('journey_not_found', 'Journey not found', 404);
      await tx.query(`UPDATE journeys SET status = 'archived', updated_at = now() WHERE id = $1`, [id]);
      const [, ended] = await tx.query<[unknown, number]>(
        `UPDATE journey_enrollments SET state = 'exited', exit_reason = 'journey_archived', finished_at = $2, next_wake_at = NULL, wait_event = NULL, updated_at = now()
          WHERE journey_id = $1 AND state = 'active'`,
        [id, this.clock.now()],
      );
      await this.audit.record({ actor, action: 'journey.archived', subject: { type: 'journey', id }, details: { enrollmentsEnded: ended } }, tx);
    });
    return this.get(id);
  }

  /**
   * Moves running enrollments of older versions to `toVersion` (the current one by default). An enrollment moves when
   * its node exists in the target version (or `nodeMap` names where it goes); the others stay where they are.
   */
  async migrate(
    id: string,
    input: { fromVersion?: number; toVersion?: number; nodeMap?: Record<string, string> },
    actor: AuditActor,
  ): Promise<{ migrated: number; stayed: number; toVersion: number }> {
    const journey = await this.row(id);
    const toVersion = input.toVersion ?? journey.current_version;
    if (toVersion === null) throw new DomainError('journey_not_published', 'The journey has no published version', 409);
    const target = await this.repo.graphOf(id, toVersion);
    if (!target) throw new DomainError('journey_version_not_found', 'No such version', 404, [{ field: 'toVersion', message: 'no such version' }]);
    const nodes = new Map(target.nodes.map((n) => [n.id, n]));
    for (const [from, to] of Object.entries(input.nodeMap ?? {})) {
      const n = nodes.get(to);
      if (!n || n.type === 'trigger' || n.type === 'goal')
        throw new DomainError('journey_invalid', `nodeMap.${from}: "${to}" is not a node of version ${String(toVersion)} an enrollment can be at`, 400, [
          { field: `nodeMap.${from}`, message: 'not a node of the target version' },
        ]);
    }
    const now = this.clock.now();
    const result = await this.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; node_id: string; step_seq: number; arrived_at: Date }[]>(
        `SELECT id::text AS id, node_id, step_seq, arrived_at FROM journey_enrollments
          WHERE journey_id = $1 AND state = 'active' AND version <> $2 AND ($3::int IS NULL OR version = $3) ORDER BY id FOR UPDATE`,
        [id, toVersion, input.fromVersion ?? null],
      );
      const moving = rows.flatMap((r) => {
        const to = input.nodeMap?.[r.node_id] ?? r.node_id;
        const node = nodes.get(to);
        return node && node.type !== 'goal' ? [{ ...r, to, node }] : [];
      });
      if (moving.length) {
        await tx.query(
          `UPDATE journey_enrollments e SET version = $2, node_id = x.node_id, wait_event = NULL, next_wake_at = $3, updated_at = now()
             FROM unnest($1::bigint[], $4::text[]) AS x(id, node_id) WHERE e.id = x.id`,
          [moving.map((m) => m.id), toVersion, now, moving.map((m) => m.to)],
        );
      }
      await this.audit.record(
        {
          actor,
          action: 'journey.enrollments_migrated',
          subject: { type: 'journey', id },
          details: { toVersion, migrated: moving.length, stayed: rows.length - moving.length },
        },
        tx,
      );
      return { migrated: moving.length, stayed: rows.length - moving.length, ids: moving.map((m) => m.id) };
    });
    // Each moved enrollment is looked at again now: a wait of the new version recomputes its target from the arrival time.
    await this.jobs.advance(result.ids);
    return { migrated: result.migrated, stayed: result.stayed, toVersion };
  }

  /** Takes a contact out of a journey: their running enrollments end as removed. */
  async removeContact(id: string, contactId: string, actor: AuditActor): Promise<{ removed: number }> {
    await this.row(id);
    if (!ID.test(contactId)) throw new DomainError('contact_not_found', 'Contact not found', 404);
    const removed = await this.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; node_id: string; step_seq: number; arrived_at: Date }[]>(
        `SELECT id::text AS id, node_id, step_seq, arrived_at FROM journey_enrollments WHERE journey_id = $1 AND contact_id = $2 AND state = 'active' ORDER BY id FOR UPDATE`,
        [id, contactId],
      );
      await writePositions(
        tx,
        rows.map((r) => ({
          id: r.id,
          state: 'removed',
          nodeId: r.node_id,
          stepSeq: r.step_seq,
          arrivedAt: r.arrived_at,
          nextWakeAt: null,
          waitEvent: null,
          exitReason: 'removed',
        })),
        this.clock.now(),
      );
      await this.audit.record(
        { actor, action: 'journey.contact_removed', subject: { type: 'journey', id }, details: { contactId, enrollments: rows.length } },
        tx,
      );
      return rows.length;
    });
    return { removed };
  }

  async enrollments(
    id: string,
    filter: { state?: EnrollmentState; contactId?: string; nodeId?: string },
    page: { offset: number; limit: number },
  ): Promise<{ data: EnrollmentView[]; total: number }> {
    await this.row(id);
    const params = [id, filter.state ?? null, filter.contactId ?? null, filter.nodeId ?? null];
    const where = `journey_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::bigint IS NULL OR contact_id = $3) AND ($4::text IS NULL OR node_id = $4)`;
    const [{ total }] = await this.db.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM journey_enrollments WHERE ${where}`, params);
    const rows = await this.db.query<EnrollmentRow[]>(
      `SELECT id::text AS id, journey_id::text AS journey_id, version, contact_id::text AS contact_id, state, node_id, next_wake_at, wait_event, exit_reason, entered_at, finished_at
         FROM journey_enrollments WHERE ${where} ORDER BY id DESC OFFSET $5 LIMIT $6`,
      [...params, page.offset, page.limit],
    );
    return { data: rows.map(enrollmentView), total };
  }

  /** A contact's journeys, newest first, each with its steps: the timeline on the contact page. */
  async contactTimeline(contactId: string): Promise<(EnrollmentView & { journeyName: string; steps: StepView[] })[]> {
    if (!ID.test(contactId)) throw new DomainError('contact_not_found', 'Contact not found', 404);
    const rows = await this.db.query<(EnrollmentRow & { journey_name: string })[]>(
      `SELECT e.id::text AS id, e.journey_id::text AS journey_id, e.version, e.contact_id::text AS contact_id, e.state, e.node_id, e.next_wake_at, e.wait_event,
              e.exit_reason, e.entered_at, e.finished_at, j.name AS journey_name
         FROM journey_enrollments e JOIN journeys j ON j.id = e.journey_id WHERE e.contact_id = $1 ORDER BY e.entered_at DESC, e.id DESC LIMIT 100`,
      [contactId],
    );
    const steps = await this.stepsOf(rows.map((r) => r.id));
    return rows.map((r) => ({ ...enrollmentView(r), journeyName: r.journey_name, steps: steps.get(r.id) ?? [] }));
  }

  async enrollment(id: string, enrollmentId: string): Promise<EnrollmentView & { steps: StepView[] }> {
    if (!ID.test(enrollmentId)) throw new DomainError('enrollment_not_found', 'Enrollment not found', 404);
    const [row] = await this.db.query<[EnrollmentRow?]>(
      `SELECT id::text AS id, journey_id::text AS journey_id, version, contact_id::text AS contact_id, state, node_id, next_wake_at, wait_event, exit_reason, entered_at, finished_at
         FROM journey_enrollments WHERE id = $1 AND journey_id = $2`,
      [enrollmentId, id],
    );
    if (!row) throw new DomainError('enrollment_not_found', 'Enrollment not found', 404);
    return { ...enrollmentView(row), steps: (await this.stepsOf([row.id])).get(row.id) ?? [] };
  }

  async version(id: string, version: number): Promise<{ version: number; graph: JourneyGraph }> {
    await this.row(id);
    const graph = await this.repo.graphOf(id, version);
    if (!graph) throw new DomainError('journey_version_not_found', 'No such version', 404);
    return { version, graph };
  }

  private async stepsOf(enrollmentIds: string[]): Promise<Map<string, StepView[]>> {
    const rows = await this.db.query<
      { enrollment_id: string; step_key: string; node_id: string; node_type: string; outcome: string; delivery_id: string | null; at: Date }[]
    >(
      `SELECT enrollment_id::text AS enrollment_id, step_key, node_id, node_type, outcome, delivery_id::text AS delivery_id, at FROM journey_steps
        WHERE enrollment_id = ANY($1::bigint[]) ORDER BY enrollment_id, split_part(step_key, ':', 1)::int`,
      [enrollmentIds],
    );
    const out = new Map<string, StepView[]>();
    for (const r of rows) {
      const list = out.get(r.enrollment_id) ?? [];
      list.push({ stepKey: r.step_key, nodeId: r.node_id, nodeType: r.node_type, outcome: r.outcome, deliveryId: r.delivery_id, at: r.at.toISOString() });
      out.set(r.enrollment_id, list);
    }
    return out;
  }

  private async setStatus(id: string, to: JourneyStatus, from: JourneyStatus[], actor: AuditActor): Promise<JourneyView> {
    const row = await this.row(id);
    if (!from.includes(row.status)) throw new DomainError('journey_status', `A ${row.status} journey cannot be ${to === 'paused' ? 'paused' : 'resumed'}`, 409);
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE journeys SET status = $2, updated_at = now() WHERE id = $1`, [id, to]);
      await this.audit.record({ actor, action: to === 'paused' ? 'journey.paused' : 'journey.resumed', subject: { type: 'journey', id } }, tx);
    });
    return this.get(id);
  }

  /** References that must exist and fit: published templates, a consent topic for marketing mail, segments, attributes. */
  private async referenceProblems(graph: JourneyGraph): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    const definitions = await this.attributes.definitions();
    const at = (n: JourneyNode, field: string) => `nodes.${n.id}.${field}`;
    const segmentMissing = async (segmentId: number) =>
      !(await this.savedSegments
        .get(segmentId)
        .then(() => true)
        .catch(() => false));
    const topicProblem = async (topicId: number) => {
      const topic = await this.topics.get(topicId).catch(() => null);
      return !topic ? 'no such topic' : topic.archivedAt ? 'the topic is archived' : null;
    };
    const isDate = (name: string) => DATE_FIELDS.has(name) || definitions.get(name)?.type === 'date';
    for (const n of graph.nodes) {
      switch (n.type) {
        case 'send': {
          const template = await this.templates.get(n.templateId).catch(() => null);
          if (!template) {
            problems.push({ field: at(n, 'templateId'), message: 'no such template' });
            break;
          }
          if (template.archivedAt) problems.push({ field: at(n, 'templateId'), message: 'the template is archived' });
          if (n.templateVersionId !== undefined) {
            const pinned = await this.templates.publishedVersion(n.templateVersionId).catch(() => null);
            if (pinned?.templateId !== n.templateId) problems.push({ field: at(n, 'templateVersionId'), message: 'not a published version of this template' });
          } else if (template.publishedVersion === null) problems.push({ field: at(n, 'templateId'), message: 'the template has no published version' });
          if (n.topicId) {
            const problem = await topicProblem(n.topicId);
            if (problem) problems.push({ field: at(n, 'topicId'), message: problem });
          } else if (template.category === 'marketing')
            problems.push({ field: at(n, 'topicId'), message: 'marketing mail needs a topic the contact consented to' });
          break;
        }
        case 'trigger':
          if (n.trigger.kind === 'segment' && (await segmentMissing(n.trigger.segmentId)))
            problems.push({ field: at(n, 'trigger.segmentId'), message: 'no such segment' });
          if (
            n.trigger.kind === 'date_attribute' &&
            !(n.trigger.attribute === 'lastVisitDate' || n.trigger.attribute === 'nextVisitDate' || definitions.get(n.trigger.attribute)?.type === 'date')
          )
            problems.push({ field: at(n, 'trigger.attribute'), message: 'must be lastVisitDate, nextVisitDate or a custom date attribute' });
          break;
        case 'wait_until':
          if (n.relativeTo.source === 'attribute' && !isDate(n.relativeTo.attribute))
            problems.push({
              field: at(n, 'relativeTo.attribute'),
              message: 'must be a date field (birthDate, lastVisitDate, nextVisitDate) or a custom date attribute',
            });
          break;
        case 'branch':
          if (n.condition.kind === 'segment' && (await segmentMissing(n.condition.segmentId)))
            problems.push({ field: at(n, 'condition.segmentId'), message: 'no such segment' });
          if (
            n.condition.kind === 'attribute' &&
            !(CONTACT_FIELDS as readonly string[]).includes(n.condition.attribute) &&
            !definitions.has(n.condition.attribute)
          )
            problems.push({ field: at(n, 'condition.attribute'), message: 'no such contact field or custom attribute' });
          if (
            n.condition.kind === 'engagement' &&
            n.condition.nodeId &&
            graph.nodes.find((x) => x.id === (n.condition as { nodeId?: string }).nodeId)?.type !== 'send'
          )
            problems.push({ field: at(n, 'condition.nodeId'), message: 'must name a send node' });
          break;
        case 'update':
          if (n.update.kind === 'topic') {
            const problem = await topicProblem(n.update.topicId);
            if (problem) problems.push({ field: at(n, 'update.topicId'), message: problem });
          } else if (!definitions.has(n.update.attribute)) problems.push({ field: at(n, 'update.attribute'), message: 'no such custom attribute' });
          break;
        case 'webhook': {
          const subscription = await this.webhooks.get(n.subscriptionId).catch(() => null);
          if (!subscription) problems.push({ field: at(n, 'subscriptionId'), message: 'no such webhook subscription' });
          else if (subscription.status !== 'active') problems.push({ field: at(n, 'subscriptionId'), message: 'the webhook subscription is paused' });
          break;
        }
        case 'wait':
        case 'wait_for_event':
        case 'split':
        case 'goal':
        case 'exit':
          break;
      }
    }
    return problems;
  }

  /** Sends name a template; a published version freezes the template version they will send. */
  private async pinTemplates(graph: JourneyGraph): Promise<JourneyGraph> {
    const nodes = await Promise.all(
      graph.nodes.map(async (n) => {
        if (n.type !== 'send' || n.templateVersionId !== undefined) return n;
        const template = await this.templates.get(n.templateId);
        const version = template.versions.find((v) => v.version === template.publishedVersion);
        if (!version) throw invalid([{ field: `nodes.${n.id}.templateId`, message: 'the template has no published version' }]);
        return { ...n, templateVersionId: version.id };
      }),
    );
    return { ...graph, nodes };
  }

  private async row(id: string): Promise<JourneyRow> {
    if (!ID.test(id)) throw new DomainError('journey_not_found', 'Journey not found', 404);
    const [row] = await this.db.query<[JourneyRow?]>(`SELECT ${JOURNEY_COLUMNS} FROM journeys WHERE journeys.id = $1`, [id]);
    if (!row) throw new DomainError('journey_not_found', 'Journey not found', 404);
    return row;
  }

  private async view(r: JourneyRow): Promise<JourneyView> {
    const versions = await this.db.query<{ version: number; published_at: Date; published_by: string | null; same: boolean }[]>(
      `SELECT version, published_at, published_by, source = $2::jsonb AS same FROM journey_versions WHERE journey_id = $1 ORDER BY version`,
      [r.id, JSON.stringify(r.draft)],
    );
    const [counts] = await this.db.query<[{ active: number; total: number }]>(
      `SELECT count(*) FILTER (WHERE state = 'active')::int AS active, count(*)::int AS total FROM journey_enrollments WHERE journey_id = $1`,
      [r.id],
    );
    const current = versions.find((v) => v.version === r.current_version);
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      status: r.status,
      currentVersion: r.current_version,
      triggerKind: r.trigger_kind,
      triggerEventType: r.trigger_event_type,
      draft: r.draft,
      draftChanged: !current?.same,
      versions: versions.map((v) => ({ version: v.version, publishedAt: v.published_at.toISOString(), publishedBy: v.published_by })),
      enrollments: counts,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
  }
}

function enrollmentView(r: EnrollmentRow): EnrollmentView {
  return {
    id: r.id,
    journeyId: r.journey_id,
    version: r.version,
    contactId: r.contact_id,
    state: r.state,
    nodeId: r.node_id,
    nextWakeAt: r.state === 'active' ? (r.next_wake_at?.toISOString() ?? null) : null,
    waitEvent: r.wait_event,
    exitReason: r.exit_reason,
    enteredAt: r.entered_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

function assertObject(graph: unknown): void {
  if (typeof graph !== 'object' || graph === null || Array.isArray(graph))
    throw new DomainError('journey_invalid', 'graph: must be an object with nodes and settings', 400, [{ field: 'graph', message: 'must be an object' }]);
  if (JSON.stringify(graph).length > 500_000) throw new DomainError('journey_invalid', 'graph: too large', 400, [{ field: 'graph', message: 'too large' }]);
}

function invalid(problems: FieldProblem[]): DomainError {
  const message = problems
    .slice(0, 10)
    .map((p) => `${p.field}: ${p.message}`)
    .join('; ');
  return new DomainError('journey_invalid', `The journey cannot be published: ${message}`, 400, problems);
}
