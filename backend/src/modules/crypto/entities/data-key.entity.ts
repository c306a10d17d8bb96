import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type KeyPurpose = 'phi' | 'secrets' | 'blind-index';

@Entity({ name: 'data_keys' })
export class DataKeyEntity {
  @PrimaryGeneratedColumn('increment') id!: number;
  @Column('text') purpose!: KeyPurpose;
  @Column('text', { name: 'master_key_id' }) masterKeyId!: string;
  @Column('bytea', { name: 'wrapped_key' }) wrappedKey!: Buffer;
  @Column('text') status!: 'active' | 'retired';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'retired_at', nullable: true }) retiredAt!: Date | null;
}
