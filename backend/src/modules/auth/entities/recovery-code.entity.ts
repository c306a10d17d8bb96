import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A one-time MFA recovery code, kept only as a keyed hash. */
@Entity({ name: 'recovery_codes' })
export class RecoveryCodeEntity {
  @PrimaryGeneratedColumn('increment') id!: number;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('bytea', { name: 'code_hash' }) codeHash!: Buffer;
  @Column('timestamptz', { name: 'used_at', nullable: true }) usedAt!: Date | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}
