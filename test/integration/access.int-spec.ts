import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { permissionsOf, Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { registeredRoutes, type RouteInfo } from '../support/routes.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/** The only routes reachable without signing in. Adding one is a deliberate, reviewed change. */
const PUBLIC_ALLOWLIST = [
  'GET /healthz',
  'GET /readyz',
  'POST /api/v1/auth/login',
  // The preference center and double opt-in confirmation: reached from e-mails, authorised by an opaque token.
  'GET /p/confirm/:token',
  'POST /p/confirm/:token',
  'GET /p/:token',
  'POST /p/:token',
  'POST /p/:token/unsubscribe',
  // Engagement tracking and RFC 8058 one-click unsubscribe: reached from e-mails, authorised by an opaque signed token.
  'GET /t/o/:token.gif',
  'GET /t/c/:token',
  'GET /u/:token',
  'POST /u/:token',
  // Prometheus scrapes with a bearer token (METRICS_TOKEN); without it the route answers 404.
  'GET /metrics',
];
const PASSWORD = 'granite-otter-lantern-42';

describe('access control', () => {
  let t: TestApp;
  let routes: RouteInfo[];
  const clients = new Map<Role, ApiClient>();

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    routes = registeredRoutes(t.app);
    const users = t.app.get(UsersService);
    for (const role of Object.values(Role)) {
      const email = `${role}@clinic.test`;
      await users.create({ email, displayName: role, role, password: PASSWORD });
      const client = new ApiClient(t.baseUrl);
      await client.signInAndEnroll(email, PASSWORD);
      clients.set(role, client);
    }
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('finds the registered routes', () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/v1/dashboard');
  });

  it('every route declares who may call it', () => {
    const undeclared = routes.filter((r) => !r.access).map((r) => `${r.method} ${r.path} (${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('public routes are exactly the allowlist', () => {
    const publicRoutes = routes.filter((r) => r.access?.kind === 'public').map((r) => `${r.method} ${r.path}`);
    expect(publicRoutes.sort()).toEqual([...PUBLIC_ALLOWLIST].sort());
  });

  it('refuses every non-public route without a session', async () => {
    const anonymous = new ApiClient(t.baseUrl);
    for (const route of routes.filter((r) => r.access?.kind !== 'public')) {
      const res = await anonymous.request(route.method, concrete(route.path), route.method === 'GET' ? undefined : {});
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it('grants and denies each permission route by role (403 when the role lacks it)', async () => {
    const matrix: string[] = [];
    for (const route of routes) {
      if (route.access?.kind !== 'permission') continue;
      for (const role of Object.values(Role)) {
        const allowed = route.access.permissions.every((p) => permissionsOf(role).includes(p));
        const res = await clients.get(role)!.request(route.method, concrete(route.path), route.method === 'GET' ? undefined : {});
        const denied = res.status === 403 && (res.body as { code?: string }).code === 'forbidden';
        matrix.push(`${route.method} ${route.path} ${role} ${allowed ? 'grant' : 'deny'} -> ${res.status}`);
        expect(denied, `${route.method} ${route.path} as ${role}: ${res.status} ${JSON.stringify(res.body)}`).toBe(!allowed);
        if (allowed) expect(res.status, `${route.method} ${route.path} as ${role}`).not.toBe(401);
      }
    }
    // Both outcomes occur, so the matrix proves denials as well as grants.
    expect(matrix.some((l) => l.includes(' deny -> 403'))).toBe(true);
    expect(matrix.some((l) => l.includes(' grant -> 200'))).toBe(true);
  });

  it('keeps the analyst to aggregates: no audit, no users', async () => {
    const analyst = clients.get(Role.Analyst)!;
    expect((await analyst.get('/api/v1/audit-events')).status).toBe(403);
    expect((await analyst.get('/api/v1/dashboard')).status).toBe(200);
  });
});

/** A concrete URL for a route pattern: ids become a well-formed uuid that matches nothing. */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
}
