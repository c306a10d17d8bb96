import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { reportCsv, reportPdf } from '../../platform/reports/report-document.js';
import { actorOf } from '../audit/index.js';
import { ComplianceReportsService } from './compliance-reports.service.js';

@ApiTags('compliance')
@Controller('api/v1/compliance/reports')
export class ComplianceController {
  constructor(private readonly reports: ComplianceReportsService) {}

  /**
   * One compliance report as JSON (the ReportDocument itself), CSV or PDF (`format`); the other query parameters
   * are the report's own. Every download is audited.
   */
  @RequirePermission(Permission.ComplianceRead)
  @Get(':id')
  async report(@Param('id') id: string, @Query() query: Record<string, unknown>, @Auth() auth: AuthContext, @Res() res: Response): Promise<void> {
    const { document, format } = await this.reports.run(id, query, { actor: actorOf(auth), permissions: auth.permissions });
    const name = `${document.id}_${document.generatedAt.slice(0, 10)}`;
    if (format === 'json') {
      res.json(document);
      return;
    }
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${name}.${format}"`);
    res.send(format === 'csv' ? reportCsv(document) : reportPdf(document));
  }
}
