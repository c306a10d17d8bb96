import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { startTestApp, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';

describe('user administration and API keys', () => {
  let t: TestApp;
  let admin: ApiClient;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    adminId = (await t.app.get(UsersService).create({ email: 'admin@clinic.test', displayName: 'Admin', role: Role.Admin, password: PASSWORD })).id;
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('invites a user with a one-time password that must be changed, and names bad fields', async () => {
    const bad = await admin.post('/api/v1/users', { email: 'not-an-email', displayName: '', role: 'superuser' });
    expect(bad.status).toBe(400);
    expect((bad.body as { fields: { field: string }[] }).fields.map((f) => f.field).sort()).toEqual(['displayName', 'email', 'role']);

    const invited = await admin.post<{ id: string; temporaryPassword: string; role: string; mfaEnrolled: boolean }>('/api/v1/users', {
      email: 'Nurse.Lee@Clinic.test',
      displayName: 'Nurse Lee',
      role: 'marketer',
    });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ role: 'marketer', mfaEnrolled: false });
    const dup = await admin.post('/api/v1/users', { email: 'nurse.lee@clinic.test', displayName: 'Again', role: 'analyst' });
    expect(dup.status).toBe(409);

    const nurse = new ApiClient(t.baseUrl);
    const { secret } = await nurse.signInAndEnroll('nurse.lee@clinic.test', invited.body.temporaryPassword);
    expect((await nurse.get('/api/v1/auth/me')).body).toMatchObject({ mustChangePassword: true });
    // Until the temporary password is replaced, nothing else answers.
    expect((await nurse.get('/api/v1/dashboard')).body).toMatchObject({ code: 'password_change_required' });
    const weak = await nurse.post('/api/v1/auth/password', { currentPassword: invited.body.temporaryPassword, newPassword: 'password1234' });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ fields: [{ field: 'newPassword', message: 'is too common' }] });
    expect((await nurse.post('/api/v1/auth/password', { currentPassword: invited.body.temporaryPassword, newPassword: 'sable-harbor-quartz-77' })).status).toBe(
      204,
    );
    expect((await nurse.get('/api/v1/auth/me')).body).toMatchObject({ mustChangePassword: false });
    expect((await nurse.get('/api/v1/dashboard')).status).toBe(200);
    expect(secret).toBeTruthy();
  });

  it('changes roles, refuses to remove the last admin, disables, unlocks and resets MFA', async () => {
    const list = await admin.get<{ data: { id: string; email: string }[]; total: number }>(`/api/v1/users?filter=${encodeURIComponent('{"q":"nurse"}')}`);
    expect(list.body.total).toBe(1);
    const nurseId = list.body.data[0].id;

    expect((await admin.request('PATCH', `/api/v1/users/${nurseId}`, { role: 'analyst' })).body).toMatchObject({ role: 'analyst' });
    const last = await admin.request('PATCH', `/api/v1/users/${adminId}`, { role: 'marketer' });
    expect(last.status).toBe(409);
    expect(last.body).toMatchObject({ code: 'last_admin' });

    const nurse = new ApiClient(t.baseUrl);
    for (let i = 0; i < 5; i++) await nurse.post('/api/v1/auth/login', { email: 'nurse.lee@clinic.test', password: 'wrong-password-here' });
    expect((await admin.get<{ locked: boolean }>(`/api/v1/users/${nurseId}`)).body.locked).toBe(true);
    expect((await admin.post<{ locked: boolean }>(`/api/v1/users/${nurseId}/unlock`)).body.locked).toBe(false);

    expect((await admin.post<{ mfaEnrolled: boolean }>(`/api/v1/users/${nurseId}/reset-mfa`)).body.mfaEnrolled).toBe(false);
    expect((await nurse.post('/api/v1/auth/login', { email: 'nurse.lee@clinic.test', password: 'sable-harbor-quartz-77' })).body).toEqual({
      next: 'mfa_enroll',
    });

    expect((await admin.request('PATCH', `/api/v1/users/${nurseId}`, { disabled: true })).body).toMatchObject({ disabled: true });
    expect((await nurse.get('/api/v1/auth/mfa/enrollment')).status).toBe(401);
    expect((await new ApiClient(t.baseUrl).post('/api/v1/auth/login', { email: 'nurse.lee@clinic.test', password: 'sable-harbor-quartz-77' })).status).toBe(
      401,
    );

    const audit = await admin.get<{ data: { action: string }[] }>(
      `/api/v1/audit-events?perPage=100&filter=${encodeURIComponent(JSON.stringify({ subjectId: nurseId }))}`,
    );
    expect(audit.body.data.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.created', 'user.role-changed', 'user.unlocked', 'user.mfa-reset', 'user.disabled', 'auth.lockout']),
    );
  });

  it('issues an API key once, stores it hashed, enforces its scopes, expiry and revocation', async () => {
    const refused = await admin.post('/api/v1/api-keys', { name: 'EHR feed', scopes: ['users:manage'] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ fields: [{ field: 'scopes' }] });

    const created = await admin.post<{ id: string; key: string; prefix: string; status: string }>('/api/v1/api-keys', {
      name: 'EHR feed',
      scopes: ['dashboard:read'],
    });
    expect(created.status).toBe(201);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);
    const listed = await admin.get<{ data: Record<string, unknown>[] }>('/api/v1/api-keys');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const integration = new ApiClient(t.baseUrl);
    expect((await integration.request('GET', '/api/v1/dashboard', undefined, { 'x-api-key': created.body.key })).status).toBe(200);
    expect((await integration.request('GET', '/api/v1/dashboard', undefined, { authorization: `Bearer ${created.body.key}` })).status).toBe(200);
    const outOfScope = await integration.request('GET', '/api/v1/audit-events', undefined, { 'x-api-key': created.body.key });
    expect(outOfScope.status).toBe(403);
    expect((await integration.request('GET', '/api/v1/auth/me', undefined, { 'x-api-key': created.body.key })).status).toBe(403);
    expect((await integration.request('GET', '/api/v1/dashboard', undefined, { 'x-api-key': `${created.body.key}x` })).status).toBe(401);
    expect(
      (await admin.get<{ data: { id: string; lastUsedAt: string | null }[] }>('/api/v1/api-keys')).body.data.find((k) => k.id === created.body.id)?.lastUsedAt,
    ).not.toBeNull();

    expect((await admin.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).body).toMatchObject({ status: 'revoked' });
    expect((await integration.request('GET', '/api/v1/dashboard', undefined, { 'x-api-key': created.body.key })).status).toBe(401);

    const past = await admin.post('/api/v1/api-keys', { name: 'old', scopes: ['dashboard:read'], expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    const soon = await admin.post<{ key: string; id: string }>('/api/v1/api-keys', {
      name: 'short',
      scopes: ['dashboard:read'],
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await integration.request('GET', '/api/v1/dashboard', undefined, { 'x-api-key': soon.body.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await integration.request('GET', '/api/v1/dashboard', undefined, { 'x-api-key': soon.body.key })).status).toBe(401);
  });
});
