import type { AuthContext } from '../../platform/http/index.js';
import type { AuditActor } from './audit.service.js';

export function actorOf(auth: AuthContext): AuditActor {
  return {
    type: auth.kind === 'api_key' ? 'api_key' : 'user',
    id: auth.kind === 'api_key' ? auth.apiKeyId : auth.userId,
    ip: auth.ip,
    userAgent: auth.userAgent,
  };
}
