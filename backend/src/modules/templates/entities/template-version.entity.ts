import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { VersionStatus } from '../templates.types.js';

@Entity({ name: 'template_versions' })
export class TemplateVersionEntity {
  @PrimaryGeneratedColumn('increment') id!: number;
  @Column('integer', { name: 'template_id' }) templateId!: number;
  @Column('integer') version!: number;
  @Column('text') status!: VersionStatus;
  @Column('text') subject!: string;
  @Column('text') preheader!: string;
  @Column('text', { name: 'from_name' }) fromName!: string;
  @Column('text') mjml!: string;
  /** MJML output with the Handlebars expressions still in it; set once, at publish. */
  @Column('text', { name: 'compiled_html', nullable: true }) compiledHtml!: string | null;
  @Column('timestamptz', { name: 'published_at', nullable: true }) publishedAt!: Date | null;
  @Column('text', { name: 'published_by', nullable: true }) publishedBy!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}
