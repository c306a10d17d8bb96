import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CryptoService } from '../crypto/index.js';
import type { SegmentRule } from './segment-rule.js';

export type SegmentKind = 'dynamic' | 'snapshot';

export interface SegmentRow {
  id: number;
  name: string;
  description: string;
  kind: SegmentKind;
  rule_enc: Buffer;
  depends_on: number[];
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface SnapshotRow {
  id: string;
  segment_id: number;
  member_count: number;
  exact_checks: number;
  actor_type: string;
  actor_id: string | null;
  created_at: Date;
}

const SEGMENT_COLUMNS = 'id, name, description, kind, rule_enc, depends_on, created_by, created_at, updated_at';
const SNAPSHOT_COLUMNS = 'id::text AS id, segment_id, member_count, exact_checks, actor_type, actor_id, created_at';
const MEMBER_BATCH = 20_000;

/** The segments tables: rows in and out, rules encrypted at rest and bound to their row. */
@Injectable()
export class SegmentRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
  ) {}

  static ruleAad(id: number): string {
    return CryptoService.aad('segments', 'rule_enc', id);
  }

  static snapshotRuleAad(id: string): string {
    return CryptoService.aad('segment_snapshots', 'rule_enc', id);
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async find(id: number, db: EntityManager | DataSource = this.dataSource, lock = false): Promise<SegmentRow | undefined> {
    const [row] = await db.query<[SegmentRow?]>(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE id = $1 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return row;
  }

  async findMany(ids: readonly number[]): Promise<SegmentRow[]> {
    if (!ids.length) return [];
    return this.dataSource.query<SegmentRow[]>(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE id = ANY($1::int[]) AND deleted_at IS NULL`, [ids]);
  }

  async list(filter: { ids?: number[]; kind?: SegmentKind }, page: { offset: number; limit: number; order: 'ASC' | 'DESC' }) {
    const where = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    if (filter.ids?.length) {
      params.push(filter.ids);
      where.push(`s.id = ANY($${params.length}::int[])`);
    }
    if (filter.kind) {
      params.push(filter.kind);
      where.push(`s.kind = $${params.length}`);
    }
    const clause = `WHERE ${where.join(' AND ')}`;
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM segments s ${clause}`, params);
    const rows = await this.dataSource.query<(SegmentRow & { last_snapshot: SnapshotRow | null })[]>(
      `SELECT ${SEGMENT_COLUMNS.split(', ')
        .map((c) => `s.${c}`)
        .join(', ')},
              (SELECT row_to_json(x) FROM (SELECT ${SNAPSHOT_COLUMNS} FROM segment_snapshots WHERE segment_id = s.id ORDER BY id DESC LIMIT 1) x) AS last_snapshot
         FROM segments s ${clause}
        ORDER BY s.id ${page.order} OFFSET ${page.offset} LIMIT ${page.limit}`,
      params,
    );
    return { rows, total };
  }

  async insert(
    tx: EntityManager,
    row: { name: string; description: string; kind: SegmentKind; rule: SegmentRule; dependsOn: number[]; createdBy: string | null },
  ): Promise<SegmentRow> {
    const [{ id }] = await tx.query<[{ id: number }]>(`SELECT nextval(pg_get_serial_sequence('segments', 'id'))::int AS id`);
    const [saved] = await tx.query<[SegmentRow]>(
      `INSERT INTO segments (id, name, description, kind, rule_enc, depends_on, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SEGMENT_COLUMNS}`,
      [id, row.name, row.description, row.kind, this.sealRule(id, row.rule), row.dependsOn, row.createdBy],
    );
    return saved;
  }

  async update(
    tx: EntityManager,
    id: number,
    changes: { name?: string; description?: string; kind?: SegmentKind; rule?: SegmentRule; dependsOn?: number[] },
  ): Promise<SegmentRow> {
    const [[saved]] = await tx.query<[[SegmentRow]]>(
      `UPDATE segments SET name = COALESCE($2, name), description = COALESCE($3, description), kind = COALESCE($4, kind),
              rule_enc = COALESCE($5, rule_enc), depends_on = COALESCE($6, depends_on), updated_at = now()
        WHERE id = $1 RETURNING ${SEGMENT_COLUMNS}`,
      [
        id,
        changes.name ?? null,
        changes.description ?? null,
        changes.kind ?? null,
        changes.rule ? this.sealRule(id, changes.rule) : null,
        changes.dependsOn ?? null,
      ],
    );
    return saved;
  }

  async softDelete(tx: EntityManager, id: number): Promise<void> {
    await tx.query(`UPDATE segments SET deleted_at = now() WHERE id = $1`, [id]);
  }

  /** Live segments whose rule refers to this one. */
  async dependents(id: number, db: EntityManager | DataSource = this.dataSource): Promise<number[]> {
    const rows = await db.query<{ id: number }[]>(`SELECT id FROM segments WHERE depends_on @> ARRAY[$1::int] AND deleted_at IS NULL ORDER BY id`, [id]);
    return rows.map((r) => r.id);
  }

  async rule(row: Pick<SegmentRow, 'id' | 'rule_enc'>): Promise<SegmentRule> {
    return JSON.parse(await this.crypto.decryptText(row.rule_enc, SegmentRepository.ruleAad(row.id))) as SegmentRule;
  }

  async insertSnapshot(
    tx: EntityManager,
    snapshot: { segmentId: number; rule: SegmentRule; memberIds: readonly string[]; exactChecks: number; actorType: string; actorId: string | null },
  ): Promise<SnapshotRow> {
    const [{ id }] = await tx.query<[{ id: string }]>(`SELECT nextval(pg_get_serial_sequence('segment_snapshots', 'id'))::text AS id`);
    const [saved] = await tx.query<[SnapshotRow]>(
      `INSERT INTO segment_snapshots (id, segment_id, member_count, exact_checks, rule_enc, actor_type, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SNAPSHOT_COLUMNS}`,
      [
        id,
        snapshot.segmentId,
        snapshot.memberIds.length,
        snapshot.exactChecks,
        this.crypto.encrypt('phi', JSON.stringify(snapshot.rule), SegmentRepository.snapshotRuleAad(id)),
        snapshot.actorType,
        snapshot.actorId,
      ],
    );
    for (let i = 0; i < snapshot.memberIds.length; i += MEMBER_BATCH) {
      await tx.query(`INSERT INTO segment_snapshot_members (snapshot_id, contact_id) SELECT $1, unnest($2::bigint[])`, [
        id,
        snapshot.memberIds.slice(i, i + MEMBER_BATCH),
      ]);
    }
    return saved;
  }

  async snapshots(segmentId: number, page: { offset: number; limit: number; order: 'ASC' | 'DESC' }): Promise<{ rows: SnapshotRow[]; total: number }> {
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM segment_snapshots WHERE segment_id = $1`, [
      segmentId,
    ]);
    const rows = await this.dataSource.query<SnapshotRow[]>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM segment_snapshots WHERE segment_id = $1 ORDER BY id ${page.order} OFFSET ${page.offset} LIMIT ${page.limit}`,
      [segmentId],
    );
    return { rows, total };
  }

  async latestSnapshot(segmentId: number): Promise<SnapshotRow | undefined> {
    const [row] = await this.dataSource.query<[SnapshotRow?]>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM segment_snapshots WHERE segment_id = $1 ORDER BY id DESC LIMIT 1`,
      [segmentId],
    );
    return row;
  }

  async snapshotMembers(snapshotId: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT contact_id::text AS id FROM segment_snapshot_members WHERE snapshot_id = $1 ORDER BY contact_id`,
      [snapshotId],
    );
    return rows.map((r) => r.id);
  }

  private sealRule(id: number, rule: SegmentRule): Buffer {
    return this.crypto.encrypt('phi', JSON.stringify(rule), SegmentRepository.ruleAad(id));
  }
}
