import { type DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { AuditChainReportService } from './audit-chain-report.service.js';
import { BreachResponseReportService } from './breach-response-report.service.js';
import { CampaignTargetingReportService } from './campaign-targeting-report.service.js';
import { ComplianceController } from './compliance.controller.js';
import { ComplianceReportsService } from './compliance-reports.service.js';
import { ConsentEvidenceReportService } from './consent-evidence-report.service.js';
import { PhiAccessReportService } from './phi-access-report.service.js';
import { TransmissionReportService } from './transmission-report.service.js';
import { UserAccessReviewReportService } from './user-access-review-report.service.js';

/** Reports for compliance officers and auditors, one service each, all behind GET /api/v1/compliance/reports/:id. */
@Module({})
export class ComplianceModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: ComplianceModule,
      controllers: roles.includes('api') ? [ComplianceController] : [],
      providers: [
        TransmissionReportService,
        ConsentEvidenceReportService,
        PhiAccessReportService,
        BreachResponseReportService,
        UserAccessReviewReportService,
        AuditChainReportService,
        CampaignTargetingReportService,
        ComplianceReportsService,
      ],
      exports: [TransmissionReportService, ComplianceReportsService],
    };
  }
}
