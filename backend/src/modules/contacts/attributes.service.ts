import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import type { AttributeDefinition } from './contact-input.js';

export interface AttributeDefinitionView extends AttributeDefinition {
  id: number;
  label: string;
  archived: boolean;
  createdAt: string;
}

/** Owns attribute_definitions: the admin-defined, typed custom attributes, each PHI or not. */
@Injectable()
export class AttributesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async list(includeArchived = false): Promise<AttributeDefinitionView[]> {
    const rows = await this.dataSource.query<
      {
        id: number;
        key: string;
        label: string;
        type: AttributeDefinition['type'];
        options: string[];
        is_phi: boolean;
        created_at: Date;
        archived_at: Date | null;
      }[]
    >(`SELECT id, key, label, type, options, is_phi, created_at, archived_at FROM attribute_definitions ORDER BY id`);
    return rows
      .filter((r) => includeArchived || !r.archived_at)
      .map((r) => ({
        id: r.id,
        key: r.key,
        label: r.label,
        type: r.type,
        options: r.options,
        isPhi: r.is_phi,
        archived: r.archived_at !== null,
        createdAt: r.created_at.toISOString(),
      }));
  }

  /** Active definitions by key, for validation. */
  async definitions(): Promise<Map<string, AttributeDefinition>> {
    return new Map((await this.list()).map((d) => [d.key, d]));
  }

  async create(
    input: { key: string; label: string; type: AttributeDefinition['type']; options?: string[]; isPhi: boolean },
    actor: AuditActor,
  ): Promise<AttributeDefinitionView> {
    if ((input.type === 'enum' || input.type === 'list') && !input.options?.length) {
      throw new DomainError('attribute_options', `options are required for a ${input.type} attribute`, 400, [
        { field: 'options', message: 'required for enum and list' },
      ]);
    }
    const [row] = await this.dataSource.query<[{ id: number }?]>(
      `INSERT INTO attribute_definitions (key, label, type, options, is_phi) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING RETURNING id`,
      [input.key, input.label, input.type, input.options ?? [], input.isPhi],
    );
    if (!row) throw new DomainError('attribute_exists', 'An attribute with this key exists', 409, [{ field: 'key', message: 'already in use' }]);
    await this.audit.record({
      actor,
      action: 'attribute.created',
      subject: { type: 'attribute_definition', id: String(row.id) },
      details: { key: input.key, type: input.type, isPhi: input.isPhi },
    });
    return this.definition(row.id);
  }

  async update(id: number, changes: { label?: string; options?: string[]; archived?: boolean }, actor: AuditActor): Promise<AttributeDefinitionView> {
    const current = (await this.list(true)).find((d) => d.id === id);
    if (!current) throw new DomainError('attribute_not_found', 'Attribute not found', 404);
    await this.dataSource.query(
      `UPDATE attribute_definitions SET label = COALESCE($2, label), options = COALESCE($3, options), archived_at = CASE WHEN $4::boolean IS NULL THEN archived_at WHEN $4 THEN COALESCE(archived_at, now()) ELSE NULL END WHERE id = $1`,
      [id, changes.label ?? null, changes.options ?? null, changes.archived ?? null],
    );
    await this.audit.record({
      actor,
      action: 'attribute.updated',
      subject: { type: 'attribute_definition', id: String(id) },
      details: { fields: Object.keys(changes) },
    });
    return this.definition(id);
  }

  private async definition(id: number): Promise<AttributeDefinitionView> {
    const found = (await this.list(true)).find((d) => d.id === id);
    if (!found) throw new DomainError('attribute_not_found', 'Attribute not found', 404);
    return found;
  }
}
