export { RetentionModule } from './retention.module.js';
export { RetentionService } from './retention.service.js';
export type { RetentionRunView } from './retention.service.js';
export { RETENTION_SCHEDULE } from './retention-scheduler.service.js';
export { AUDIT_MIN_DAYS } from './retention-policy.js';
export type { RetentionCounts, RetentionPolicyView, RetentionSettings } from './retention-policy.js';
