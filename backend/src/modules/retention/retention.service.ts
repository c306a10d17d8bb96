import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { JobName, type JobPayloads, QueueName } from '../../platform/queue/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { ContactsService } from '../contacts/index.js';
import { RetentionDisposal } from './retention-disposal.js';
import {
  type ContactAction,
  countsOf,
  cutoffsOf,
  LIMITS,
  policyProblems,
  type RetentionCounts,
  type RetentionCutoffs,
  type RetentionPolicyView,
  type RetentionSettings,
} from './retention-policy.js';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type RunTrigger = 'manual' | 'schedule';

export interface RetentionRunView {
  id: string;
  dryRun: boolean;
  trigger: RunTrigger;
  status: RunStatus;
  policy: RetentionSettings;
  cutoffs: RetentionCutoffs;
  counts: RetentionCounts;
  error: string | null;
  actorType: string;
  actorId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface PolicyRow {
  contact_inactive_months: number | null;
  contact_action: ContactAction;
  message_detail_days: number | null;
  engagement_days: number | null;
  inbound_payload_days: number | null;
  audit_days: number;
  schedule_enabled: boolean;
  updated_at: Date;
  updated_by: string | null;
}

interface RunRow {
  id: string;
  dry_run: boolean;
  trigger: RunTrigger;
  status: RunStatus;
  policy: RetentionSettings;
  cutoffs: RetentionCutoffs;
  counts: Record<string, unknown>;
  error: string | null;
  actor_type: string;
  actor_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** One real run at a time across every worker (a session-level advisory lock, held for the run). */
const RUN_LOCK = 727_400;
const BATCH = 1000;
const DELETE_BATCH = 5000;
const CONTACT_BATCH = 200;
const PARTITION_LOCK_TIMEOUT_MS = 2000;
const RUN_COLUMNS = `id::text AS id, dry_run, trigger, status, policy, cutoffs, counts, error, actor_type, actor_id, created_at, started_at, finished_at`;
const LIVE_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Why a run could not finish, as a code: never a message that could quote data. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[\w.-]{1,40}$/.test(code) ? code : 'internal_error';
}

/**
 * Retention and disposal: the policy (one row), dry runs (counted here, nothing changes) and real runs (queued, then
 * run by a worker in short batches under one advisory lock, resumable: each batch commits with its counts). Every run
 * ends with one `retention.run` audit entry carrying its counts and dry-run flag; contacts are disposed of through the
 * contacts module's erasure, which audits each one with the run as actor.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QueueName.Retention) private readonly queue: Queue<JobPayloads[JobName.RetentionRun]>,
    private readonly disposal: RetentionDisposal,
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
  ) {}

  async policy(): Promise<RetentionPolicyView> {
    const [row] = await this.db.query<[PolicyRow]>(`SELECT * FROM retention_policy WHERE id = 1`);
    return toPolicyView(row);
  }

  async updatePolicy(settings: RetentionSettings, actor: AuditActor): Promise<RetentionPolicyView> {
    const problems = policyProblems(settings);
    if (problems.length) throw new DomainError('retention_policy_invalid', problems.map((p) => p.message).join('; '), 400, problems);
    const before = settingsOf(await this.policy());
    const after = settingsOf(settings);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE retention_policy SET contact_inactive_months = $1, contact_action = $2, message_detail_days = $3, engagement_days = $4,
                inbound_payload_days = $5, audit_days = $6, schedule_enabled = $7, updated_at = now(), updated_by = $8 WHERE id = 1`,
        [
          after.contactInactiveMonths,
          after.contactAction,
          after.messageDetailDays,
          after.engagementDays,
          after.inboundPayloadDays,
          after.auditDays,
          after.scheduleEnabled,
          actor.id ?? null,
        ],
      );
      await this.audit.record({ actor, action: 'retention.policy_updated', subject: { type: 'retention_policy', id: '1' }, details: { before, after } }, tx);
    });
    return this.policy();
  }

  /**
   * A dry run counts, with the same statements a real run uses, what the policy would dispose of now, and records
   * the run; a real run is queued for a worker (409 while another one is queued or running).
   */
  async start(dryRun: boolean, actor: AuditActor, trigger: RunTrigger = 'manual'): Promise<RetentionRunView> {
    const settings = settingsOf(await this.policy());
    const cutoffs = cutoffsOf(settings, new Date());
    if (dryRun) {
      const counts = await this.countAll(cutoffs);
      const id = await this.db.transaction(async (tx) => {
        const [row] = await tx.query<[{ id: string }]>(
          `INSERT INTO retention_runs (dry_run, trigger, status, policy, cutoffs, counts, actor_type, actor_id, started_at, finished_at)
           VALUES (true, $1, 'succeeded', $2, $3, $4, $5, $6, now(), now()) RETURNING id::text AS id`,
          [trigger, JSON.stringify(settings), JSON.stringify(cutoffs), JSON.stringify(counts), actor.type, actor.id ?? null],
        );
        await this.recordRun(tx, row.id, true, trigger, settings, counts, actor, 'success');
        return row.id;
      });
      return this.get(id);
    }
    let id: string;
    try {
      const [row] = await this.db.query<[{ id: string }]>(
        `INSERT INTO retention_runs (dry_run, trigger, status, policy, cutoffs, actor_type, actor_id) VALUES (false, $1, 'queued', $2, $3, $4, $5) RETURNING id::text AS id`,
        [trigger, JSON.stringify(settings), JSON.stringify(cutoffs), actor.type, actor.id ?? null],
      );
      id = row.id;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new DomainError('retention_run_active', 'A retention run is already queued or running', 409);
      throw err;
    }
    await this.enqueue(id);
    return this.get(id);
  }

  async list(page: { offset: number; limit: number }): Promise<{ data: RetentionRunView[]; total: number }> {
    const [rows, [{ n }]] = await Promise.all([
      this.db.query<RunRow[]>(`SELECT ${RUN_COLUMNS} FROM retention_runs ORDER BY id DESC OFFSET $1 LIMIT $2`, [page.offset, page.limit]),
      this.db.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM retention_runs`),
    ]);
    return { data: rows.map(toRunView), total: n };
  }

  async get(id: string): Promise<RetentionRunView> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('retention_run_not_found', 'No such retention run', 404);
    const [row] = await this.db.query<[RunRow?]>(`SELECT ${RUN_COLUMNS} FROM retention_runs WHERE id = $1`, [id]);
    if (!row) throw new DomainError('retention_run_not_found', 'No such retention run', 404);
    return toRunView(row);
  }

  /**
   * The daily job: queues again a real run whose job was lost (Redis flushed), then starts the day's run when the
   * policy says so and none is under way. Answers the run started, if any.
   */
  async sweep(): Promise<string | null> {
    const active = await this.db.query<{ id: string }[]>(`SELECT id::text AS id FROM retention_runs WHERE status IN ('queued', 'running')`);
    for (const { id } of active) await this.enqueue(id);
    if (active.length > 0) return null;
    const policy = await this.policy();
    if (!policy.scheduleEnabled) return null;
    try {
      return (await this.start(false, { type: 'system', id: 'retention' }, 'schedule')).id;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'retention_run_active') return null;
      throw err;
    }
  }

  /**
   * Runs (or resumes) a queued real run. Answers false when another process holds the run lock (the job is retried
   * later). A failure ends the run as `failed`, audited with what it had disposed of so far.
   */
  async execute(runId: string): Promise<boolean> {
    const lock = this.db.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = (await lock.query(`SELECT pg_try_advisory_lock($1) AS locked`, [RUN_LOCK])) as [{ locked: boolean }];
      if (!locked) return false;
      try {
        await this.executeLocked(runId);
      } finally {
        await lock.query(`SELECT pg_advisory_unlock($1)`, [RUN_LOCK]);
      }
      return true;
    } finally {
      await lock.release();
    }
  }

  private async executeLocked(runId: string): Promise<void> {
    const run = await this.get(runId);
    if (run.dryRun || (run.status !== 'queued' && run.status !== 'running')) return;
    await this.db.query(`UPDATE retention_runs SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1`, [runId]);
    const actor: AuditActor = { type: 'system', id: `retention-run-${runId}` };
    let outcome: 'success' | 'failure' = 'success';
    let error: string | null = null;
    try {
      await this.disposeAll(runId, run.policy, run.cutoffs, actor);
    } catch (err) {
      outcome = 'failure';
      error = errorCode(err);
      this.logger.warn({ runId, error }, 'retention run failed');
    }
    await this.db.transaction(async (tx) => {
      if (run.cutoffs.contacts) await countErasures(tx, runId, actor);
      const [[{ counts }]] = await tx.query<[[{ counts: Record<string, unknown> }], number]>(
        `UPDATE retention_runs SET status = $2, error = $3, finished_at = now() WHERE id = $1 RETURNING counts`,
        [runId, outcome === 'success' ? 'succeeded' : 'failed', error],
      );
      await this.recordRun(
        tx,
        runId,
        false,
        run.trigger,
        run.policy,
        countsOf(counts),
        { type: run.actorType as AuditActor['type'], id: run.actorId },
        outcome,
      );
    });
  }

  /** Contacts first: their inactivity is judged on data the other categories are about to thin out. The audit trail is always on. */
  private async countAll(c: RetentionCutoffs): Promise<RetentionCounts> {
    const d = this.disposal;
    const when = (cutoff: string | null, count: (cutoff: string) => Promise<number>) => (cutoff === null ? Promise.resolve(0) : count(cutoff));
    const [contacts, deliveries, testSends, webhookDeliveries, engagementEvents, partitions, inboundPayloads, auditEntries] = await Promise.all([
      when(c.contacts, (x) => d.countInactiveContacts(x)),
      when(c.messageDetail, (x) => d.countDeliveryDetail(x)),
      when(c.messageDetail, (x) => d.countTestSends(x)),
      when(c.messageDetail, (x) => d.countWebhookDeliveries(x)),
      when(c.engagement, (x) => d.countEngagementEvents(x)),
      when(c.engagement, async (x) => (await d.oldEngagementPartitions(x)).length),
      when(c.inboundPayloads, (x) => d.countInboundPayloads(x)),
      this.audit.countPurgeable(new Date(c.audit)),
    ]);
    return { contacts, deliveries, testSends, webhookDeliveries, engagementEvents, engagementPartitions: partitions, inboundPayloads, auditEntries };
  }

  private async disposeAll(runId: string, s: RetentionSettings, c: RetentionCutoffs, actor: AuditActor): Promise<void> {
    const d = this.disposal;
    if (c.contacts) await this.disposeContacts(runId, c.contacts, s.contactAction, actor);
    if (c.messageDetail) {
      const cutoff = c.messageDetail;
      await this.inBatches(runId, 'deliveries', (tx) => d.purgeDeliveryDetail(tx, cutoff, BATCH), BATCH);
      await this.inBatches(runId, 'testSends', (tx) => d.deleteTestSends(tx, cutoff, BATCH), BATCH);
      await this.inBatches(runId, 'webhookDeliveries', (tx) => d.deleteWebhookDeliveries(tx, cutoff, BATCH), BATCH);
    }
    if (c.engagement) await this.disposeEngagement(runId, c.engagement);
    if (c.inboundPayloads) {
      const cutoff = c.inboundPayloads;
      await this.inBatches(runId, 'inboundPayloads', (tx) => d.purgeInboundPayloads(tx, cutoff, BATCH), BATCH);
    }
    // Last: the other categories' work is audited first. One transaction: the anchor, the rows and the count commit together.
    await this.db.transaction(async (tx) => {
      const { count } = await this.audit.purgeThrough(new Date(c.audit), runId, tx);
      if (count) await bump(tx, runId, 'auditEntries', count);
    });
  }

  /**
   * Each contact: its traces elsewhere stripped, then the contacts module's erasure (PHI and tokens gone, consent
   * history kept without evidence, audited with the run as actor). The count is the run's erasure audit entries,
   * so a resumed run counts exactly, whatever was interrupted.
   */
  private async disposeContacts(runId: string, cutoff: string, action: ContactAction, actor: AuditActor): Promise<void> {
    let after = '0';
    for (;;) {
      const ids = await this.disposal.inactiveContacts(cutoff, after, CONTACT_BATCH);
      if (ids.length === 0) return;
      for (const id of ids) {
        if (await this.db.transaction((tx) => this.disposal.stripContactTraces(tx, id, cutoff, action))) await this.contacts.erase(id, actor);
      }
      after = ids[ids.length - 1];
      await countErasures(this.db, runId, actor);
    }
  }

  private async disposeEngagement(runId: string, cutoff: string): Promise<void> {
    for (const name of await this.disposal.oldEngagementPartitions(cutoff)) {
      try {
        await this.db.transaction(async (tx) => {
          const rows = await this.disposal.dropPartition(tx, name, PARTITION_LOCK_TIMEOUT_MS);
          await bump(tx, runId, 'engagementEvents', rows);
          await bump(tx, runId, 'engagementPartitions', 1);
        });
      } catch (err) {
        // Writers held the table past the lock timeout: the rows go by batches below instead.
        this.logger.warn({ runId, partition: name, code: errorCode(err) }, 'engagement partition not dropped; deleting its rows in batches');
      }
    }
    await this.inBatches(runId, 'engagementEvents', (tx) => this.disposal.deleteEngagementEvents(tx, cutoff, DELETE_BATCH), DELETE_BATCH);
    let after = '0';
    let adjusted = 0;
    for (;;) {
      const batch = await this.db.transaction((tx) => this.disposal.adjustEngagementSummaries(tx, cutoff, after, DELETE_BATCH));
      if (batch.lastId === null) break;
      adjusted += batch.adjusted;
      after = batch.lastId;
    }
    if (adjusted) this.logger.log({ runId, adjusted }, 'engagement summaries adjusted');
  }

  /** Repeats one batch statement, each in its own transaction with the run's count, until a batch comes back short. */
  private async inBatches(runId: string, key: keyof RetentionCounts, batch: (tx: EntityManager) => Promise<number>, size: number): Promise<void> {
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const done = await batch(tx);
        if (done) await bump(tx, runId, key, done);
        return done;
      });
      if (n < size) return;
    }
  }

  private async enqueue(runId: string): Promise<void> {
    const jobId = `retention-run-${runId}`;
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      if (LIVE_JOB_STATES.has(await existing.getState())) return;
      await existing.remove().catch(() => undefined);
    }
    await this.queue.add(
      JobName.RetentionRun,
      { runId },
      { jobId, attempts: 20, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: true, removeOnFail: 100 },
    );
  }

  private recordRun(
    tx: EntityManager,
    runId: string,
    dryRun: boolean,
    trigger: RunTrigger,
    policy: RetentionSettings,
    counts: RetentionCounts,
    actor: AuditActor,
    outcome: 'success' | 'failure',
  ): Promise<void> {
    return this.audit.record(
      {
        actor,
        action: 'retention.run',
        subject: { type: 'retention_run', id: runId },
        outcome,
        details: { dryRun, trigger, counts, policy: settingsOf(policy) },
      },
      tx,
    );
  }
}

async function bump(tx: EntityManager, runId: string, key: keyof RetentionCounts, n: number): Promise<void> {
  await tx.query(`UPDATE retention_runs SET counts = counts || jsonb_build_object($2::text, coalesce((counts ->> $2)::bigint, 0) + $3) WHERE id = $1`, [
    runId,
    key,
    n,
  ]);
}

/** The contacts a run disposed of are its erasure audit entries: exact even when a run was interrupted and resumed. */
async function countErasures(db: DataSource | EntityManager, runId: string, actor: AuditActor): Promise<void> {
  await db.query(
    `UPDATE retention_runs SET counts = counts || jsonb_build_object('contacts',
       (SELECT count(*) FROM audit_log WHERE actor_id = $2 AND action = 'contact.erased')) WHERE id = $1`,
    [runId, actor.id],
  );
}

function settingsOf(s: RetentionSettings): RetentionSettings {
  return {
    contactInactiveMonths: s.contactInactiveMonths,
    contactAction: s.contactAction,
    messageDetailDays: s.messageDetailDays,
    engagementDays: s.engagementDays,
    inboundPayloadDays: s.inboundPayloadDays,
    auditDays: s.auditDays,
    scheduleEnabled: s.scheduleEnabled,
  };
}

function toPolicyView(r: PolicyRow): RetentionPolicyView {
  return {
    contactInactiveMonths: r.contact_inactive_months,
    contactAction: r.contact_action,
    messageDetailDays: r.message_detail_days,
    engagementDays: r.engagement_days,
    inboundPayloadDays: r.inbound_payload_days,
    auditDays: r.audit_days,
    scheduleEnabled: r.schedule_enabled,
    updatedAt: r.updated_at.toISOString(),
    updatedBy: r.updated_by,
    limits: LIMITS,
  };
}

function toRunView(r: RunRow): RetentionRunView {
  return {
    id: r.id,
    dryRun: r.dry_run,
    trigger: r.trigger,
    status: r.status,
    policy: r.policy,
    cutoffs: r.cutoffs,
    counts: countsOf(r.counts),
    error: r.error,
    actorType: r.actor_type,
    actorId: r.actor_id,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}
