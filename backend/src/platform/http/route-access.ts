import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiCookieAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { Permission } from './permissions.js';

export const ROUTE_ACCESS = 'hm:route-access';

/**
 * How a route is reached. Every route declares exactly one; a test walks all routes and fails
 * on one that declares none, and the guard refuses such a route at run time. The declaration
 * is also written into the OpenAPI document (`x-access`), so integrators see it.
 */
export type RouteAccess = { kind: 'public' } | { kind: 'session-pending-mfa' } | { kind: 'authenticated' } | { kind: 'permission'; permissions: Permission[] };

function access(value: RouteAccess, ...docs: MethodDecorator[]) {
  return applyDecorators(SetMetadata(ROUTE_ACCESS, value), ApiExtension('x-access', value), ...docs);
}

/** No authentication (health, login, tracking, unsubscribe, inbound EHR with their own auth). */
export const Public = () => access({ kind: 'public' });
/** A signed-in user who has not yet passed MFA (enrolment and challenge only). */
export const PendingMfa = () => access({ kind: 'session-pending-mfa' }, ApiCookieAuth('session'));
/** Any fully signed-in user, whatever the role (their own profile, logout). */
export const Authenticated = () => access({ kind: 'authenticated' }, ApiCookieAuth('session'));
/** A fully signed-in user or API key holding every listed permission. */
export const RequirePermission = (...permissions: Permission[]) => access({ kind: 'permission', permissions }, ApiCookieAuth('session'), ApiSecurity('apiKey'));
