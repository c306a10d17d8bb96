import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors/index.js';
import { columnsOf } from '../../platform/reports/report-document.js';
import { type ComplianceReport, iso, periodOf, type ReportResult } from './compliance-report.js';
import { BreachResponseQueryDto } from './dto/report-query.dto.js';
import { accessSection, contactIdsOf, isExport, PhiAccessReportService, scopeOf } from './phi-access-report.service.js';

/**
 * For an incident: everything a compromised user, API key or address did with PHI in a period, and the
 * affected individuals (by contact id) for the breach notification's list.
 */
@Injectable()
export class BreachResponseReportService implements ComplianceReport<BreachResponseQueryDto> {
  readonly id = 'breach-response';
  readonly query = BreachResponseQueryDto;

  constructor(private readonly accesses: PhiAccessReportService) {}

  async build(query: BreachResponseQueryDto): Promise<ReportResult> {
    const scope = scopeOf(query);
    if (!scope.userId && !scope.apiKeyId && !scope.ip) {
      const message = 'give at least one of userId, apiKeyId, ip';
      throw new DomainError('validation', `userId, apiKeyId, ip: ${message}`, 400, [
        { field: 'userId', message },
        { field: 'apiKeyId', message },
        { field: 'ip', message },
      ]);
    }
    const { from, to } = periodOf(query);
    const rows = await this.accesses.accesses(from, to, scope);
    const contactIds = contactIdsOf(rows);
    return {
      document: {
        id: this.id,
        title: 'Breach response report',
        generatedAt: new Date().toISOString(),
        parameters: { from: from.toISOString(), to: to.toISOString(), ...scope },
        summary: [
          { label: 'Accesses', value: rows.length },
          { label: 'Distinct contacts touched', value: contactIds.length },
          { label: 'Exports', value: rows.filter(isExport).length },
          { label: 'Accesses not tied to one contact (imports, bulk writes, events)', value: rows.filter((r) => r.subjectType !== 'contact').length },
          { label: 'First access', value: iso(rows.at(0)?.occurredAt) ?? 'none' },
          { label: 'Last access', value: iso(rows.at(-1)?.occurredAt) ?? 'none' },
        ],
        sections: [
          accessSection('PHI accesses and exports in scope', rows),
          {
            title: 'Affected individuals (contact ids)',
            columns: columnsOf({ contactId: 'Contact id' }),
            rows: contactIds.map((contactId) => ({ contactId })),
          },
        ],
      },
    };
  }
}
