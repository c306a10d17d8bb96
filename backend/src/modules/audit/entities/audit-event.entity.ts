import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ActorType = 'user' | 'api_key' | 'system' | 'anonymous';
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** One row of the append-only, hash-chained audit log. Never PHI values: ids and codes only. */
@Entity({ name: 'audit_log' })
export class AuditEventEntity {
  @PrimaryColumn('bigint', { transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) id!: number;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt!: Date;
  @Column('text', { name: 'actor_type' }) actorType!: ActorType;
  @Column('text', { name: 'actor_id', nullable: true }) actorId!: string | null;
  @Column('text') action!: string;
  @Column('text', { name: 'subject_type', nullable: true }) subjectType!: string | null;
  @Column('text', { name: 'subject_id', nullable: true }) subjectId!: string | null;
  @Column('text') outcome!: AuditOutcome;
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('text', { name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column('jsonb') details!: Record<string, unknown>;
  @Column('bytea', { name: 'prev_hash' }) prevHash!: Buffer;
  @Column('bytea') hash!: Buffer;
}
