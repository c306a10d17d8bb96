export { actorOf } from './audit-actor.js';
export { AuditModule } from './audit.module.js';
export { AuditService } from './audit.service.js';
export type { AuditActor, AuditEntry, ChainVerification } from './audit.service.js';
