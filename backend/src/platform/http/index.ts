export { Auth, clientInfo, ClientInfo } from './auth-context.js';
export type { AuthContext, RequestWithAuth } from './auth-context.js';
export { ListQueryDto, parseFilter } from './list-query.js';
export { API_KEY_SCOPES, Permission, permissionsOf, Role, ROLE_PERMISSIONS } from './permissions.js';
export { Authenticated, PendingMfa, Public, RequirePermission, ROUTE_ACCESS } from './route-access.js';
export type { RouteAccess } from './route-access.js';
export { PUBLIC_DEFAULT, RATE_LIMIT, RateLimit, RateLimitGuard } from './rate-limit.js';
export type { RateLimitRule } from './rate-limit.js';
