import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { redact } from '../../platform/logging/index.js';
import { type ChainAnchor, chainHash, ChainWalk, GENESIS_HASH, PURGE_ACTION, type ChainProblem } from './audit-chain.js';
import { type ActorType, AuditEventEntity, type AuditOutcome } from './entities/audit-event.entity.js';

export interface AuditActor {
  type: ActorType;
  id?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export interface AuditEntry {
  actor: AuditActor;
  action: string;
  subject?: { type: string; id?: string | null };
  outcome?: AuditOutcome;
  /** Ids, counts and codes only. Passed through the log redactor as a second guard against PHI. */
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
}

export interface ChainVerification {
  valid: boolean;
  rowsChecked: number;
  headId: number | null;
  headHash: string | null;
  problems: ChainProblem[];
  checkedAt: string;
  /** The anchor verification started from (entries through `throughId` were purged), or null from the genesis entry. */
  anchoredAt: { throughId: number; hash: string; createdAt: string } | null;
}

export interface AuditPurge {
  /** Entries removed; 0 when none was older than the cut-off (then nothing is written). */
  count: number;
  /** The last entry removed, whose hash the anchor keeps. */
  throughId: number | null;
}

/** Six years: the HIPAA documentation retention period (45 CFR 164.316(b)(2)). No entry younger than this is ever purged. */
export const AUDIT_MIN_RETENTION_DAYS = 2190;

const CHAIN_LOCK = 727_001;
const PURGE_LOCK = 727_002;
const VERIFY_BATCH = 5000;
const PURGE_BATCH = 10_000;
const DAY_MS = 86_400_000;

/**
 * The last entry a purge with this cut-off removes: the newest one older than the cut-off, but never past the first
 * entry at or after it (ids are time-ordered; should a clock have stepped back, a younger entry still stays).
 */
const PURGE_THROUGH = `
  SELECT id, hash FROM audit_log
   WHERE occurred_at < $1 AND id < coalesce((SELECT min(id) FROM audit_log WHERE occurred_at >= $1), 9223372036854775807)
   ORDER BY id DESC LIMIT 1`;

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>) {}

  /** Appends one entry. Pass the caller's transaction so the entry commits (or not) with the change it records. */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const write = async (tx: EntityManager) => {
      // One writer at a time extends the chain; the lock is released at commit.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const [head] = await tx.query<[{ id: string; hash: Buffer }?]>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
      const [{ id }] = await tx.query<[{ id: string }]>(`SELECT nextval('audit_log_id_seq')::bigint AS id`);
      const row = {
        id: Number(id),
        occurredAt: new Date(),
        actorType: entry.actor.type,
        actorId: entry.actor.id ?? null,
        action: entry.action,
        subjectType: entry.subject?.type ?? null,
        subjectId: entry.subject?.id ?? null,
        outcome: entry.outcome ?? 'success',
        ip: entry.actor.ip ?? null,
        userAgent: entry.actor.userAgent?.slice(0, 400) ?? null,
        details: (redact(entry.details ?? {}) ?? {}) as Record<string, unknown>,
      };
      const prevHash = head ? head.hash : GENESIS_HASH;
      await tx.query(
        `INSERT INTO audit_log (id, occurred_at, actor_type, actor_id, action, subject_type, subject_id, outcome, ip, user_agent, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          row.id,
          row.occurredAt,
          row.actorType,
          row.actorId,
          row.action,
          row.subjectType,
          row.subjectId,
          row.outcome,
          row.ip,
          row.userAgent,
          JSON.stringify(row.details),
          prevHash,
          chainHash(prevHash, row),
        ],
      );
    };
    if (manager?.queryRunner?.isTransactionActive) await write(manager);
    else await this.events.manager.transaction(write);
  }

  async search(filter: AuditFilter, page: { offset: number; limit: number; order: 'ASC' | 'DESC' }) {
    const qb = this.filtered(filter).orderBy('e.id', page.order).offset(page.offset).limit(page.limit);
    const [rows, total] = await qb.getManyAndCount();
    return { data: rows.map(toView), total };
  }

  /** Rows for an export, in batches, oldest first. */
  async *stream(filter: AuditFilter): AsyncGenerator<AuditEventView> {
    let after = 0;
    for (;;) {
      const rows = await this.filtered(filter).andWhere('e.id > :after', { after }).orderBy('e.id', 'ASC').limit(VERIFY_BATCH).getMany();
      for (const row of rows) yield toView(row);
      if (rows.length < VERIFY_BATCH) return;
      after = rows[rows.length - 1].id;
    }
  }

  /**
   * Walks the chain from the latest anchor (or from the genesis entry when nothing was ever purged), in one snapshot so
   * that a purge or append committing meanwhile cannot show as a break.
   */
  async verify(): Promise<ChainVerification> {
    return this.events.manager.transaction('REPEATABLE READ', async (tx) => {
      const [row] = await tx.query<[{ through: string; hash: Buffer; created_at: Date }?]>(
        `SELECT purged_through_id::text AS through, purged_through_hash AS hash, created_at FROM audit_anchors ORDER BY id DESC LIMIT 1`,
      );
      const anchor: ChainAnchor | null = row ? { throughId: Number(row.through), hash: row.hash } : null;
      const stray = anchor
        ? await tx.query<{ id: string }[]>(`SELECT id::text AS id FROM audit_log WHERE id <= $1 ORDER BY id LIMIT 10`, [anchor.throughId])
        : [];
      const walk = new ChainWalk(
        anchor,
        stray.map((r) => Number(r.id)),
      );
      let after = anchor?.throughId ?? 0;
      for (;;) {
        const rows = await tx
          .getRepository(AuditEventEntity)
          .createQueryBuilder('e')
          .where('e.id > :after', { after })
          .orderBy('e.id', 'ASC')
          .limit(VERIFY_BATCH)
          .getMany();
        if (rows.length === 0) break;
        walk.add(rows);
        after = rows[rows.length - 1].id;
      }
      const problems = walk.finish();
      return {
        valid: problems.length === 0,
        rowsChecked: walk.rowsChecked,
        headId: walk.head?.id ?? null,
        headHash: walk.head?.hash.toString('hex') ?? null,
        problems,
        checkedAt: new Date().toISOString(),
        anchoredAt: anchor && row ? { throughId: anchor.throughId, hash: anchor.hash.toString('hex'), createdAt: row.created_at.toISOString() } : null,
      };
    });
  }

  /** What `purgeThrough` with this cut-off would remove now: the dry run's figure, from the same statement. */
  async countPurgeable(cutoff: Date): Promise<number> {
    const [row] = await this.events.query<[{ n: string }]>(`SELECT count(*) AS n FROM audit_log WHERE id <= (SELECT id FROM (${PURGE_THROUGH}) t)`, [cutoff]);
    return Number(row.n);
  }

  /**
   * Removes the entries older than `cutoff` behind an anchor, in one transaction (the caller's, when given): the
   * anchor first (the database refuses a DELETE no anchor covers), the rows in bounded statements, then a chained
   * `audit.purged` entry naming the anchor, which verification checks. All or nothing: the anchor never names rows
   * that are still there, and no rows go without it. Entries younger than six years are refused.
   */
  async purgeThrough(cutoff: Date, runId?: string, manager?: EntityManager): Promise<AuditPurge> {
    if (!(cutoff.getTime() <= Date.now() - AUDIT_MIN_RETENTION_DAYS * DAY_MS)) {
      throw new DomainError('audit_purge_too_recent', `Audit entries are kept at least ${String(AUDIT_MIN_RETENTION_DAYS)} days`, 400);
    }
    const purge = async (tx: EntityManager): Promise<AuditPurge> => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PURGE_LOCK]);
      const [last] = await tx.query<[{ id: string; hash: Buffer }?]>(PURGE_THROUGH, [cutoff]);
      if (!last) return { count: 0, throughId: null };
      const [{ n }] = await tx.query<[{ n: string }]>(`SELECT count(*) AS n FROM audit_log WHERE id <= $1`, [last.id]);
      await tx.query(`INSERT INTO audit_anchors (purged_through_id, purged_through_hash, purged_count, retention_run_id) VALUES ($1, $2, $3, $4)`, [
        last.id,
        last.hash,
        n,
        runId ?? null,
      ]);
      let count = 0;
      for (;;) {
        const [, removed] = await tx.query<[unknown[], number]>(
          `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE id <= $1 ORDER BY id LIMIT $2)`,
          [last.id, PURGE_BATCH],
        );
        count += removed;
        if (removed < PURGE_BATCH) break;
      }
      const throughId = Number(last.id);
      await this.record(
        {
          actor: { type: 'system', id: runId ? `retention-run-${runId}` : 'audit' },
          action: PURGE_ACTION,
          subject: { type: 'audit_log', id: last.id },
          // The cut-off as a number: details pass through the log redactor, which masks ISO dates in strings.
          details: { throughId, hash: last.hash.toString('hex'), count, cutoffEpochMs: cutoff.getTime() },
        },
        tx,
      );
      return { count, throughId };
    };
    if (manager?.queryRunner?.isTransactionActive) return purge(manager);
    return this.events.manager.transaction(purge);
  }

  count(): Promise<number> {
    return this.events.count();
  }

  private filtered(filter: AuditFilter) {
    const qb = this.events.createQueryBuilder('e');
    if (filter.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.action) qb.andWhere('e.action LIKE :action', { action: `${filter.action.replace(/[%_]/g, '')}%` });
    if (filter.subjectType) qb.andWhere('e.subject_type = :subjectType', { subjectType: filter.subjectType });
    if (filter.subjectId) qb.andWhere('e.subject_id = :subjectId', { subjectId: filter.subjectId });
    if (filter.outcome) qb.andWhere('e.outcome = :outcome', { outcome: filter.outcome });
    if (filter.from) qb.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('e.occurred_at < :to', { to: filter.to });
    return qb;
  }
}

export interface AuditEventView {
  id: number;
  occurredAt: string;
  actorType: ActorType;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  hash: string;
}

function toView(e: AuditEventEntity): AuditEventView {
  return {
    id: e.id,
    occurredAt: e.occurredAt.toISOString(),
    actorType: e.actorType,
    actorId: e.actorId,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    outcome: e.outcome,
    ip: e.ip,
    userAgent: e.userAgent,
    details: e.details,
    hash: e.hash.toString('hex'),
  };
}
