export { ComplianceModule } from './compliance.module.js';
export { ComplianceReportsService } from './compliance-reports.service.js';
export { PHI_ACCESS_ACTION_NAMES, PHI_ACCESS_ACTIONS } from './phi-access-actions.js';
export type { PhiAccessAction } from './phi-access-actions.js';
export { TransmissionReportService } from './transmission-report.service.js';
export type { TransmissionReport } from './transmission-report.service.js';
