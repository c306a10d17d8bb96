export { QueuesAdminModule } from './queues-admin.module.js';
export { QueuesAdminService } from './queues-admin.service.js';
export type { JobView, QueueCounts, QueueSummary } from './queues-admin.service.js';
