import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from './audit-actor.js';
import { AuditService } from './audit.service.js';
import { AuditFilterDto } from './dto/audit-filter.dto.js';

@ApiTags('audit')
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @RequirePermission(Permission.AuditRead)
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.audit.search(parseFilter(AuditFilterDto, query.filter), { offset: query.offset, limit: query.perPage, order: query.order });
  }

  @RequirePermission(Permission.AuditRead)
  @Get('verify')
  async verify(@Auth() auth: AuthContext) {
    const result = await this.audit.verify();
    await this.audit.record({
      actor: actorOf(auth),
      action: 'audit.verify',
      outcome: result.valid ? 'success' : 'failure',
      details: { rowsChecked: result.rowsChecked, problems: result.problems.length },
    });
    return result;
  }

  @RequirePermission(Permission.AuditExport)
  @Get('export.csv')
  async export(@Query() query: ListQueryDto, @Auth() auth: AuthContext, @Res() res: Response) {
    const filter = parseFilter(AuditFilterDto, query.filter);
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- the DTO's own fields, as a plain object, are what the audit entry records
    await this.audit.record({ actor: actorOf(auth), action: 'audit.export', details: { filter: { ...filter } } });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`);
    res.write('id,occurred_at,actor_type,actor_id,action,subject_type,subject_id,outcome,ip,user_agent,details,hash\n');
    for await (const e of this.audit.stream(filter)) {
      const cells = [
        e.id,
        e.occurredAt,
        e.actorType,
        e.actorId,
        e.action,
        e.subjectType,
        e.subjectId,
        e.outcome,
        e.ip,
        e.userAgent,
        JSON.stringify(e.details),
        e.hash,
      ];
      if (!res.write(`${cells.map(csvCell).join(',')}\n`)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  // Spreadsheet formula injection: a cell must not start with = + - @.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
