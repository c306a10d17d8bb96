import { type DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { ComplianceController } from './compliance.controller.js';
import { TransmissionReportService } from './transmission-report.service.js';

/** Reports for compliance officers and auditors. */
@Module({})
export class ComplianceModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: ComplianceModule,
      controllers: roles.includes('api') ? [ComplianceController] : [],
      providers: [TransmissionReportService],
      exports: [TransmissionReportService],
    };
  }
}
