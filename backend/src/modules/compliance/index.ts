export { ComplianceModule } from './compliance.module.js';
export { TransmissionReportService } from './transmission-report.service.js';
export type { TransmissionReport } from './transmission-report.service.js';
