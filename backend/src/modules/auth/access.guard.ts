import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../../platform/errors/index.js';
import { clientInfo, type RequestWithAuth, type RouteAccess, ROUTE_ACCESS, permissionsOf } from '../../platform/http/index.js';
import { CSRF_HEADER, SESSION_COOKIE } from './session-cookies.js';
import { SessionsService } from './sessions.service.js';
import { UsersService } from './users.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one gate in front of every route. A route without an access declaration is refused
 * (fail closed). Cookie sessions must have passed MFA (except on the MFA routes themselves),
 * must not be idle or past their absolute lifetime, and must echo the CSRF token on writes.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    if (!access) throw new DomainError('route_without_access_rule', 'This route declares no access rule and is refused', 403);
    if (access.kind === 'public') return true;

    const req = context.switchToHttp().getRequest<RequestWithAuth>();
    const token = (req.cookies as Record<string, string | undefined> | undefined)?.[SESSION_COOKIE];
    if (!token) throw new DomainError('unauthenticated', 'Sign in first', 401);
    const resolved = await this.sessions.resolve(token);
    if (resolved.state !== 'valid') {
      throw resolved.state === 'expired'
        ? new DomainError('session_expired', 'Your session expired: sign in again', 401)
        : new DomainError('unauthenticated', 'Sign in first', 401);
    }
    const session = resolved.session;
    const user = await this.users.findById(session.userId);
    if (!user || user.disabledAt) throw new DomainError('unauthenticated', 'Sign in first', 401);

    if (!SAFE_METHODS.has(req.method) && req.get(CSRF_HEADER) !== session.csrfToken) {
      throw new DomainError('csrf', `Missing or wrong ${CSRF_HEADER} header`, 403);
    }
    const permissions = permissionsOf(user.role);
    req.auth = {
      kind: 'user',
      userId: user.id,
      apiKeyId: null,
      role: user.role,
      permissions,
      sessionId: session.id.toString('hex'),
      mfaPassed: session.mfaPassed,
      ...clientInfo(req),
    };
    if (access.kind === 'session-pending-mfa') return true;
    if (!session.mfaPassed) throw new DomainError('mfa_required', 'Complete multi-factor authentication first', 401);
    if (access.kind === 'authenticated') return true;
    const missing = access.permissions.filter((p) => !permissions.includes(p));
    if (missing.length) throw new DomainError('forbidden', `Your role (${user.role}) lacks the permission ${missing.join(', ')}`, 403);
    return true;
  }
}
