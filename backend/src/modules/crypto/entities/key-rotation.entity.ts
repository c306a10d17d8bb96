import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'key_rotations' })
export class KeyRotationEntity {
  @PrimaryGeneratedColumn('increment') id!: number;
  @Column('text') purpose!: 'phi' | 'secrets';
  @Column('integer', { name: 'to_key_id' }) toKeyId!: number;
  @Column('text') status!: 'running' | 'completed' | 'failed';
  @Column('integer') total!: number;
  @Column('integer') done!: number;
  @Column('text', { name: 'requested_by', nullable: true }) requestedBy!: string | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
}
