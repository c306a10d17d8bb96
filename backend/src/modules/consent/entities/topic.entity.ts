import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'topics' })
export class TopicEntity {
  @PrimaryGeneratedColumn('increment') id!: number;
  @Column('text') key!: string;
  @Column('text') name!: string;
  @Column('text') description!: string;
  @Column('text') kind!: 'marketing' | 'transactional';
  @Column('boolean', { name: 'requires_authorization' }) requiresAuthorization!: boolean;
  @Column('boolean', { name: 'double_opt_in' }) doubleOptIn!: boolean;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'archived_at', nullable: true }) archivedAt!: Date | null;
}
