import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { TemplateCategory } from '../templates.types.js';

@Entity({ name: 'templates' })
export class TemplateEntity {
  @PrimaryGeneratedColumn('increment') id!: number;
  @Column('text') name!: string;
  @Column('text') category!: TemplateCategory;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'archived_at', nullable: true }) archivedAt!: Date | null;
}
