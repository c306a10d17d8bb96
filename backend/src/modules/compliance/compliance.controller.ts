import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf, AuditService } from '../audit/index.js';
import { TransmissionReportService } from './transmission-report.service.js';

export class ReportQueryDto {
  @IsOptional() @IsDateString() from?: string;
  @IsOptional() @IsDateString() to?: string;
  @IsOptional() @IsIn(['json', 'csv', 'pdf']) format?: 'json' | 'csv' | 'pdf';
}

const DAY_MS = 86_400_000;

@ApiTags('compliance')
@Controller('api/v1/compliance/reports')
export class ComplianceController {
  constructor(
    private readonly transmission: TransmissionReportService,
    private readonly audit: AuditService,
  ) {}

  /** Transmission security for a period (default: the last 30 days) as JSON, CSV or PDF; every download is audited. */
  @RequirePermission(Permission.ComplianceRead)
  @Get('transmission-security')
  async transmissionSecurity(@Query() query: ReportQueryDto, @Auth() auth: AuthContext, @Res() res: Response): Promise<void> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
    const format = query.format ?? 'json';
    const report = await this.transmission.build(from, to);
    await this.audit.record({
      actor: actorOf(auth),
      action: 'report.downloaded',
      subject: { type: 'report', id: 'transmission-security' },
      details: { format, from: report.from, to: report.to },
    });
    const name = `transmission-security_${report.from.slice(0, 10)}_${report.to.slice(0, 10)}`;
    if (format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
      res.send(this.transmission.csv(report));
    } else if (format === 'pdf') {
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.pdf"`);
      res.send(this.transmission.pdf(report));
    } else {
      res.json(report);
    }
  }
}
