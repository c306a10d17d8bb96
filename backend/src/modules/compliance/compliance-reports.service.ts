import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import type { ReportDocument } from '../../platform/reports/report-document.js';
import { AuditService } from '../audit/index.js';
import { AuditChainReportService } from './audit-chain-report.service.js';
import { BreachResponseReportService } from './breach-response-report.service.js';
import { CampaignTargetingReportService } from './campaign-targeting-report.service.js';
import { type ComplianceReport, parseReportQuery, type ReportCaller } from './compliance-report.js';
import { ConsentEvidenceReportService } from './consent-evidence-report.service.js';
import type { ReportFormat, ReportQueryDto } from './dto/report-query.dto.js';
import { PhiAccessReportService } from './phi-access-report.service.js';
import { TransmissionReportService } from './transmission-report.service.js';
import { UserAccessReviewReportService } from './user-access-review-report.service.js';

/** Every compliance report by id: validates its query, builds it, and audits the download (and any PHI it prints) before it leaves. */
@Injectable()
export class ComplianceReportsService {
  private readonly reports: ReadonlyMap<string, ComplianceReport>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    transmission: TransmissionReportService,
    consentEvidence: ConsentEvidenceReportService,
    phiAccess: PhiAccessReportService,
    breachResponse: BreachResponseReportService,
    userAccessReview: UserAccessReviewReportService,
    auditChain: AuditChainReportService,
    campaignTargeting: CampaignTargetingReportService,
  ) {
    const all: ComplianceReport[] = [transmission, consentEvidence, phiAccess, breachResponse, userAccessReview, auditChain, campaignTargeting];
    this.reports = new Map(all.map((r) => [r.id, r]));
  }

  get ids(): string[] {
    return [...this.reports.keys()];
  }

  async run(id: string, raw: Record<string, unknown>, caller: ReportCaller): Promise<{ document: ReportDocument; format: ReportFormat }> {
    const report = this.reports.get(id);
    if (!report) throw new DomainError('report_not_found', `No such report; reports: ${this.ids.join(', ')}`, 404);
    const query: ReportQueryDto = parseReportQuery(report.query, raw);
    const format = query.format ?? 'json';
    const { document, phiContactIds = [] } = await report.build(query, caller);
    const containsPhi = phiContactIds.length > 0;
    // Ids, the format and the parameters only (ids, instants, numbers, a staff IP address: never PHI). The parameters go as
    // `name=value` strings: the audit trail's redactor blanks keys that can name a recipient, such as `to`.
    const parameters = Object.entries(document.parameters)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}=${String(v)}`);
    const details = { report: id, format, parameters, ...(containsPhi ? { containsPhi, contacts: phiContactIds.length } : {}) };
    // Each contact printed is a reveal (so breach reports find it by contact); the download itself is the one export.
    await this.db.transaction(async (tx) => {
      for (const contactId of phiContactIds) {
        await this.audit.record(
          {
            actor: caller.actor,
            action: 'phi.revealed',
            subject: { type: 'contact', id: contactId },
            details: { purpose: 'compliance_report', report: id, format },
          },
          tx,
        );
      }
      await this.audit.record({ actor: caller.actor, action: 'report.downloaded', subject: { type: 'report', id }, details }, tx);
    });
    return { document, format };
  }
}
