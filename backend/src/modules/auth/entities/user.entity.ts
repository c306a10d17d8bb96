import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../../../platform/http/index.js';

/** A workforce user of the platform (not a contact: no PHI here). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') email!: string;
  @Column('text', { name: 'display_name' }) displayName!: string;
  @Column('text') role!: Role;
  @Column('text', { name: 'password_hash' }) passwordHash!: string;
  @Column('timestamptz', { name: 'password_changed_at' }) passwordChangedAt!: Date;
  @Column('boolean', { name: 'must_change_password' }) mustChangePassword!: boolean;
  /** TOTP secret, encrypted (purpose `secrets`, bound to this row). */
  @Column('bytea', { name: 'mfa_secret', nullable: true }) mfaSecret!: Buffer | null;
  @Column('bytea', { name: 'mfa_pending_secret', nullable: true }) mfaPendingSecret!: Buffer | null;
  @Column('timestamptz', { name: 'mfa_enrolled_at', nullable: true }) mfaEnrolledAt!: Date | null;
  @Column('bigint', {
    name: 'mfa_last_time_step',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  mfaLastTimeStep!: number | null;
  @Column('integer', { name: 'failed_attempts' }) failedAttempts!: number;
  @Column('timestamptz', { name: 'locked_until', nullable: true }) lockedUntil!: Date | null;
  @Column('timestamptz', { name: 'last_login_at', nullable: true }) lastLoginAt!: Date | null;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
