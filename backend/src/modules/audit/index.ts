export { actorOf } from './audit-actor.js';
export { AuditModule } from './audit.module.js';
export { AUDIT_MIN_RETENTION_DAYS, AuditService } from './audit.service.js';
export type { AuditActor, AuditEntry, AuditPurge, ChainVerification } from './audit.service.js';
