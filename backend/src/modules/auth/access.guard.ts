import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../../platform/errors/index.js';
import { clientInfo, type RequestWithAuth, type RouteAccess, ROUTE_ACCESS, permissionsOf } from '../../platform/http/index.js';
import { CSRF_HEADER, SESSION_COOKIE } from './session-cookies.js';
import { ApiKeysService } from './api-keys.service.js';
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
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    if (!access) throw new DomainError('route_without_access_rule', 'This route declares no access rule and is refused', 403);
    if (access.kind === 'public') return true;

    const req = context.switchToHttp().getRequest<RequestWithAuth>();
    const apiKey = presentedApiKey(req);
    if (apiKey !== undefined) return this.viaApiKey(apiKey, access, req);
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
    // A temporary password opens the password change and nothing else.
    if (user.mustChangePassword) throw new DomainError('password_change_required', 'Choose a new password first', 403);
    const missing = access.permissions.filter((p) => !permissions.includes(p));

    if (missing.length) throw new DomainError('forbidden', `Your role (${user.role}) lacks the permission ${missing.join(', ')}`, 403);
    return true;
  }

  /** API keys reach permission routes only, within their scopes; no cookies, so no CSRF. */
  private async viaApiKey(secret: string, access: Exclude<RouteAccess, { kind: 'public' }>, req: RequestWithAuth): Promise<boolean> {
    const client = clientInfo(req);
    const key = await this.apiKeys.authenticate(secret, client.ip);
    if (!key) throw new DomainError('unauthenticated', 'The API key is invalid, expired or revoked', 401);
    req.auth = { kind: 'api_key', userId: null, apiKeyId: key.id, role: null, permissions: key.scopes, sessionId: null, mfaPassed: false, ...client };
    if (access.kind !== 'permission') throw new DomainError('forbidden', 'This route is for signed-in users, not API keys', 403);
    const missing = access.permissions.filter((p) => !key.scopes.includes(p));
    if (missing.length) throw new DomainError('forbidden', `The API key lacks the scope ${missing.join(', ')}`, 403);
    return true;
  }
}

function presentedApiKey(req: RequestWithAuth): string | undefined {
  const header = req.get('x-api-key');
  if (header) return header.trim();
  const authorization = req.get('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  return undefined;
}
