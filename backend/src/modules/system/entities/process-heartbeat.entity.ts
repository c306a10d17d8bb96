import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'process_heartbeats' })
export class ProcessHeartbeatEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') role!: 'api' | 'worker' | 'scheduler';
  @Column('text') host!: string;
  @Column('integer') pid!: number;
  @Column('text') version!: string;
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
}
