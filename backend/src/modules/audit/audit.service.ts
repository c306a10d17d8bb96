import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { redact } from '../../platform/logging/index.js';
import { chainHash, GENESIS_HASH, verifyChain, type ChainProblem } from './audit-chain.js';
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
}

const CHAIN_LOCK = 727_001;
const VERIFY_BATCH = 5000;

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

  async verify(): Promise<ChainVerification> {
    const problems: ChainProblem[] = [];
    let prev: Buffer = GENESIS_HASH;
    let after = 0;
    let rowsChecked = 0;
    let head: AuditEventEntity | undefined;
    for (;;) {
      const rows = await this.events.createQueryBuilder('e').where('e.id > :after', { after }).orderBy('e.id', 'ASC').limit(VERIFY_BATCH).getMany();
      if (rows.length === 0) break;
      problems.push(...verifyChain(rows, prev));
      rowsChecked += rows.length;
      head = rows[rows.length - 1];
      prev = head.hash;
      after = head.id;
    }
    return {
      valid: problems.length === 0,
      rowsChecked,
      headId: head?.id ?? null,
      headHash: head?.hash.toString('hex') ?? null,
      problems,
      checkedAt: new Date().toISOString(),
    };
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
