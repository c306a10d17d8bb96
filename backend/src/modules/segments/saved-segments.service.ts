import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import type { SegmentRule } from './segment-rule.js';
import { type SegmentKind, SegmentRepository, type SegmentRow, type SnapshotRow } from './segment.repository.js';
import { SegmentsService } from './segments.service.js';

export interface SnapshotView {
  id: string;
  segmentId: number;
  count: number;
  exactChecks: number;
  actorType: string;
  actorId: string | null;
  createdAt: string;
}

export interface SegmentView {
  id: number;
  name: string;
  description: string;
  kind: SegmentKind;
  /** Ids of the saved segments this one's rule refers to. */
  dependsOn: number[];
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  lastSnapshot: SnapshotView | null;
}

export interface SegmentDetail extends SegmentView {
  rule: SegmentRule;
}

export interface SegmentCount {
  id: number;
  kind: SegmentKind;
  /** Members as a send would use them now: the live rule for a dynamic segment, the latest snapshot for a snapshot segment. */
  count: number;
  /** What the rule selects right now. */
  liveCount: number;
  exactChecks: number;
  snapshot: SnapshotView | null;
}

export interface SegmentInput {
  name?: string;
  description?: string;
  kind?: SegmentKind;
  rule?: unknown;
}

type Page = { offset: number; limit: number; order: 'ASC' | 'DESC' };

/**
 * Saved segments: a named rule that is either dynamic (members evaluated at use) or a snapshot
 * segment (members are those of its latest frozen snapshot; saving its rule takes a new one).
 * Snapshots of either kind can be taken at any time, for audits of who was targeted.
 */
@Injectable()
export class SavedSegmentsService {
  constructor(
    private readonly repo: SegmentRepository,
    private readonly segments: SegmentsService,
    private readonly audit: AuditService,
  ) {}

  async list(filter: { ids?: number[]; kind?: SegmentKind }, page: Page): Promise<{ data: SegmentView[]; total: number }> {
    const { rows, total } = await this.repo.list(filter, page);
    return { data: rows.map((r) => viewOf(r, r.last_snapshot)), total };
  }

  async get(id: number): Promise<SegmentDetail> {
    const row = await this.row(id);
    return { ...viewOf(row, (await this.repo.latestSnapshot(id)) ?? null), rule: await this.repo.rule(row) };
  }

  async create(input: SegmentInput, actor: AuditActor): Promise<SegmentDetail> {
    const rule = await this.segments.check(input.rule);
    const dependsOn = await this.segments.dependenciesOf(rule, null);
    const kind = input.kind ?? 'dynamic';
    const frozen = kind === 'snapshot' ? await this.segments.members(rule, today()) : null;
    const row = await this.repo.transaction(async (tx) => {
      const saved = await this.repo.insert(tx, {
        name: input.name ?? '',
        description: input.description ?? '',
        kind,
        rule,
        dependsOn,
        createdBy: actor.id ?? null,
      });
      await this.audit.record({ actor, action: 'segment.created', subject: { type: 'segment', id: String(saved.id) }, details: { kind, dependsOn } }, tx);
      if (frozen) await this.freeze(tx, saved.id, rule, frozen, actor);
      return saved;
    });
    return this.get(row.id);
  }

  async update(id: number, input: SegmentInput, actor: AuditActor): Promise<SegmentDetail> {
    const current = await this.row(id);
    const rule = input.rule === undefined ? undefined : await this.segments.check(input.rule);
    const dependsOn = rule ? await this.segments.dependenciesOf(rule, id) : undefined;
    const kind = input.kind ?? current.kind;
    // A snapshot segment's members follow its rule only through snapshots: a new rule (or becoming a snapshot segment) freezes one.
    const refreeze = kind === 'snapshot' && (rule !== undefined || current.kind !== 'snapshot');
    const frozenRule = rule ?? (refreeze ? await this.repo.rule(current) : undefined);
    const frozen = refreeze && frozenRule ? await this.segments.members(frozenRule, today()) : null;
    await this.repo.transaction(async (tx) => {
      if (!(await this.repo.find(id, tx, true))) throw notFound();
      await this.repo.update(tx, id, { name: input.name, description: input.description, kind: input.kind, rule, dependsOn });
      const fields = Object.entries(input)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      await this.audit.record({ actor, action: 'segment.updated', subject: { type: 'segment', id: String(id) }, details: { fields, kind } }, tx);
      if (frozen && frozenRule) await this.freeze(tx, id, frozenRule, frozen, actor);
    });
    return this.get(id);
  }

  /** Segments are retired, not erased: their snapshots stay for audits. One that another segment uses cannot go. */
  async remove(id: number, actor: AuditActor): Promise<{ id: number; deleted: true }> {
    await this.repo.transaction(async (tx) => {
      if (!(await this.repo.find(id, tx, true))) throw notFound();
      const users = await this.repo.dependents(id, tx);
      if (users.length)
        throw new DomainError('segment_in_use', `Segment ${id} is used by segment ${users.join(', ')}: change those rules first`, 409, [
          { field: 'id', message: `used by segment ${users.join(', ')}` },
        ]);
      await this.repo.softDelete(tx, id);
      await this.audit.record({ actor, action: 'segment.deleted', subject: { type: 'segment', id: String(id) } }, tx);
    });
    return { id, deleted: true };
  }

  async count(id: number): Promise<SegmentCount> {
    const row = await this.row(id);
    const live = await this.segments.count(await this.repo.rule(row), today());
    const snapshot = await this.repo.latestSnapshot(id);
    const frozen = snapshot ? snapshotView(snapshot) : null;
    return {
      id,
      kind: row.kind,
      count: row.kind === 'snapshot' && frozen ? frozen.count : live.count,
      liveCount: live.count,
      exactChecks: live.exactChecks,
      snapshot: frozen,
    };
  }

  /** Freezes the current member list (contact ids only), with the rule it was taken with. Audited. */
  async takeSnapshot(id: number, actor: AuditActor): Promise<SnapshotView> {
    const row = await this.row(id);
    const rule = await this.repo.rule(row);
    const members = await this.segments.members(rule, today());
    return this.repo.transaction(async (tx) => {
      if (!(await this.repo.find(id, tx, true))) throw notFound();
      return this.freeze(tx, id, rule, members, actor);
    });
  }

  async snapshots(id: number, page: Page): Promise<{ data: SnapshotView[]; total: number }> {
    await this.row(id);
    const { rows, total } = await this.repo.snapshots(id, page);
    return { data: rows.map(snapshotView), total };
  }

  private async freeze(tx: EntityManager, id: number, rule: SegmentRule, members: { ids: string[]; exactChecks: number }, actor: AuditActor) {
    const snapshot = await this.repo.insertSnapshot(tx, {
      segmentId: id,
      rule,
      memberIds: members.ids,
      exactChecks: members.exactChecks,
      actorType: actor.type,
      actorId: actor.id ?? null,
    });
    await this.audit.record(
      {
        actor,
        action: 'segment.snapshot_created',
        subject: { type: 'segment', id: String(id) },
        details: { snapshotId: snapshot.id, members: snapshot.member_count },
      },
      tx,
    );
    return snapshotView(snapshot);
  }

  private async row(id: number): Promise<SegmentRow> {
    const row = await this.repo.find(id);
    if (!row) throw notFound();
    return row;
  }
}

const today = () => new Date().toISOString().slice(0, 10);
const notFound = () => new DomainError('segment_not_found', 'Segment not found', 404);
const iso = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d).toISOString();

function snapshotView(s: SnapshotRow): SnapshotView {
  return {
    id: s.id,
    segmentId: s.segment_id,
    count: s.member_count,
    exactChecks: s.exact_checks,
    actorType: s.actor_type,
    actorId: s.actor_id,
    createdAt: iso(s.created_at),
  };
}

function viewOf(r: SegmentRow, last: SnapshotRow | null): SegmentView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    dependsOn: r.depends_on,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    lastSnapshot: last ? snapshotView(last) : null,
  };
}
