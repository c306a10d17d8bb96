import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A browser session. The id is the SHA-256 of the cookie token, so a database reader cannot hijack one. */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn('bytea') id!: Buffer;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('boolean', { name: 'mfa_passed' }) mfaPassed!: boolean;
  @Column('text', { name: 'csrf_token' }) csrfToken!: string;
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('text', { name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
  @Column('timestamptz', { name: 'absolute_expires_at' }) absoluteExpiresAt!: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @Column('text', { name: 'revoked_reason', nullable: true }) revokedReason!: string | null;
}
