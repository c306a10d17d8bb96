export { DashboardService } from './dashboard.service.js';
export type { DashboardCounter, DashboardSummary } from './dashboard.service.js';
export { HeartbeatService } from './heartbeat.service.js';
export { SystemModule } from './system.module.js';
