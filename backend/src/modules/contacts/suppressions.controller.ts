import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { Auth, type AuthContext, ListQueryDto, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf, AuditService } from '../audit/index.js';
import { ConsentService } from '../consent/index.js';
import { ContactConsentService } from './contact-consent.service.js';
import { SuppressDto } from './dto/contact.dto.js';

@ApiTags('suppressions')
@Controller('api/v1/suppressions')
export class SuppressionsController {
  constructor(
    private readonly consents: ContactConsentService,
    private readonly consent: ConsentService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The list shows reasons and the contact record, never the address (it is PHI). */
  @RequirePermission(Permission.SuppressionsRead)
  @Get()
  async list(@Query() query: ListQueryDto) {
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM suppressions`);
    const rows = await this.dataSource.query<
      { id: string; reason: string; source: string; actor_type: string; actor_id: string | null; created_at: Date; contact_id: string | null }[]
    >(
      `SELECT s.id::text AS id, s.reason, s.source, s.actor_type, s.actor_id, s.created_at, c.id::text AS contact_id
         FROM suppressions s LEFT JOIN contacts c ON c.email_token = s.email_token
        ORDER BY s.id ${query.order} OFFSET ${query.offset} LIMIT ${query.perPage}`,
    );
    return {
      data: rows.map((r) => ({
        id: r.id,
        reason: r.reason,
        source: r.source,
        actorType: r.actor_type,
        actorId: r.actor_id,
        createdAt: r.created_at.toISOString(),
        contactId: r.contact_id,
      })),
      total,
    };
  }

  @RequirePermission(Permission.SuppressionsManage)
  @Post()
  add(@Body() dto: SuppressDto, @Auth() auth: AuthContext) {
    return this.consents.suppress(dto.email, dto.reason, actorOf(auth));
  }

  @RequirePermission(Permission.SuppressionsManage)
  @Delete(':id')
  async remove(@Param('id') id: string, @Auth() auth: AuthContext) {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('suppression_not_found', 'Suppression not found', 404);
    const removed = await this.consent.unsuppress(id);
    if (!removed) throw new DomainError('suppression_not_found', 'Suppression not found', 404);
    await this.audit.record({ actor: actorOf(auth), action: 'suppression.removed', subject: { type: 'suppression', id }, details: { reason: removed.reason } });
    return { id, removed: true };
  }
}
