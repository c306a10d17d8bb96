import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionsService, totpCode, UsersService } from '../../backend/src/modules/auth/index.js';
import { hashToken } from '../../backend/src/modules/auth/sessions.service.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient, nextTotp } from '../support/api-client.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';

describe('sign-in with mandatory MFA', () => {
  let t: TestApp;
  let users: UsersService;
  let n = 0;
  const newUser = async (role = Role.Marketer) => {
    const email = `user${++n}@clinic.test`;
    await users.create({ email, displayName: `User ${n}`, role, password: PASSWORD });
    return email;
  };

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    users = t.app.get(UsersService);
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('enrols TOTP at first sign-in, then challenges for it at the next', async () => {
    const email = await newUser();
    const client = new ApiClient(t.baseUrl);
    const login = await client.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ next: 'mfa_enroll' });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('hm_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);

    // Half-authenticated: only the MFA routes answer.
    expect((await client.get('/api/v1/auth/me')).status).toBe(401);
    expect((await client.get('/api/v1/dashboard')).body).toMatchObject({ code: 'mfa_required' });

    const enrollment = await client.get<{ secret: string; otpauthUrl: string }>('/api/v1/auth/mfa/enrollment');
    expect(enrollment.body.otpauthUrl).toContain(`secret=${enrollment.body.secret}`);
    const wrong = await client.post('/api/v1/auth/mfa/enroll', { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'mfa_bad_code', fields: [{ field: 'code', message: 'not valid' }] });
    const halfSession = client.cookies.get('hm_session');
    const enrollCode = totpCode(enrollment.body.secret);
    const enrolled = await client.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/enroll', { code: enrollCode });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.recoveryCodes).toHaveLength(10);
    expect(new Set(enrolled.body.recoveryCodes).size).toBe(10);
    // The session was replaced at the MFA step: the half session is dead.
    expect(client.cookies.get('hm_session')).not.toBe(halfSession);
    const me = await client.get('/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email, role: 'marketer', mfaEnrolled: true, recoveryCodesLeft: 10 });

    // Next sign-in: challenge, not enrolment; a replayed code is refused.
    const second = new ApiClient(t.baseUrl);
    expect((await second.post('/api/v1/auth/login', { email, password: PASSWORD })).body).toEqual({ next: 'mfa_verify' });
    expect((await second.get('/api/v1/auth/mfa/enrollment')).status).toBe(409);
    // The very code used at enrolment, replayed: refused whatever the clock did meanwhile.
    expect((await second.post('/api/v1/auth/mfa/verify', { code: enrollCode })).status).toBe(401);
    expect((await second.post('/api/v1/auth/mfa/verify', { code: nextTotp(enrollment.body.secret) })).status).toBe(204);
    expect((await second.get('/api/v1/auth/me')).status).toBe(200);

    // A recovery code works once.
    const third = new ApiClient(t.baseUrl);
    await third.post('/api/v1/auth/login', { email, password: PASSWORD });
    const code = enrolled.body.recoveryCodes[0];
    expect((await third.post('/api/v1/auth/mfa/verify', { recoveryCode: code.toUpperCase() })).status).toBe(204);
    expect((await third.get('/api/v1/auth/me')).body).toMatchObject({ recoveryCodesLeft: 9 });
    const fourth = new ApiClient(t.baseUrl);
    await fourth.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect((await fourth.post('/api/v1/auth/mfa/verify', { recoveryCode: code })).status).toBe(401);
  });

  it('stores the TOTP secret encrypted and recovery codes hashed', async () => {
    const email = await newUser();
    const client = new ApiClient(t.baseUrl);
    const { secret, recoveryCodes } = await client.signInAndEnroll(email, PASSWORD);
    const db = await superuser(t.databaseUrl);
    try {
      const dump = JSON.stringify(
        (
          await db.query(
            `SELECT u.*, array_agg(encode(r.code_hash, 'escape')) AS codes FROM users u JOIN recovery_codes r ON r.user_id = u.id WHERE u.email = $1 GROUP BY u.id`,
            [email],
          )
        ).rows,
      );
      expect(dump).not.toContain(secret);
      expect(Buffer.from(dump).includes(Buffer.from(secret))).toBe(false);
      for (const code of recoveryCodes) expect(dump).not.toContain(code);
      expect(dump).not.toContain(PASSWORD);
    } finally {
      await db.end();
    }
  });

  it('refuses wrong passwords with one message, and locks after five failures until unlocked', async () => {
    const email = await newUser();
    const client = new ApiClient(t.baseUrl);
    const unknown = await client.post('/api/v1/auth/login', { email: 'nobody@clinic.test', password: PASSWORD });
    const wrong = await client.post('/api/v1/auth/login', { email, password: 'not-the-password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect((wrong.body as { message: string }).message).toBe((unknown.body as { message: string }).message);
    for (let i = 0; i < 4; i++) await client.post('/api/v1/auth/login', { email, password: 'not-the-password' });
    const locked = await client.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect(locked.status).toBe(401);
    expect(locked.body).toMatchObject({ code: 'account_locked' });
    expect((locked.body as { message: string }).message).toMatch(/Try again in 15 minute/);

    const user = (await users.findByEmail(email))!;
    expect(users.isLocked(user)).toBe(true);
    // Time-based unlock: the lock lapses after its window.
    expect(users.isLocked(user, new Date(Date.now() + 15 * 60_000 + 1000))).toBe(false);
    await users.unlock(user.id);
    expect((await client.post('/api/v1/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('counts wrong MFA codes towards the lockout', async () => {
    const email = await newUser();
    const client = new ApiClient(t.baseUrl);
    await client.signInAndEnroll(email, PASSWORD);
    const again = new ApiClient(t.baseUrl);
    await again.post('/api/v1/auth/login', { email, password: PASSWORD });
    for (let i = 0; i < 5; i++) expect((await again.post('/api/v1/auth/mfa/verify', { code: '123456' })).status).toBe(401);
    expect(users.isLocked((await users.findByEmail(email))!)).toBe(true);
    // The lockout revoked the user's live sessions, including the first client's.
    expect((await client.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('ends sessions after 15 idle minutes and after 12 hours in all', async () => {
    const email = await newUser();
    const client = new ApiClient(t.baseUrl);
    await client.signInAndEnroll(email, PASSWORD);
    const sessions = t.app.get(SessionsService);
    const token = client.cookies.get('hm_session')!;
    const fresh = await sessions.resolve(token);
    expect(fresh.state).toBe('valid');
    const at = (ms: number) => new Date(Date.now() + ms);
    // 14 minutes idle: still valid (and touched); 15 more: expired.
    expect((await sessions.resolve(token, at(14 * 60_000))).state).toBe('valid');
    expect((await sessions.resolve(token, at(29 * 60_000 + 1000))).state).toBe('expired');
    expect((await client.get('/api/v1/auth/me')).body).toMatchObject({ code: 'unauthenticated' });

    const other = new ApiClient(t.baseUrl);
    await other.post('/api/v1/auth/login', { email, password: PASSWORD });
    await other.post('/api/v1/auth/mfa/verify', { code: nextTotp((await readSecret(t, email))!) });
    const token2 = other.cookies.get('hm_session')!;
    // Kept active every 10 minutes, it still dies at the absolute limit.
    let state = 'valid';
    for (let minutes = 10; minutes <= 12 * 60 + 10 && state === 'valid'; minutes += 10) state = (await sessions.resolve(token2, at(minutes * 60_000))).state;
    expect(state).toBe('expired');
    const db = await superuser(t.databaseUrl);
    try {
      const row = await db.query('SELECT revoked_reason FROM sessions WHERE id = $1', [hashToken(token2)]);
      expect(row.rows[0]).toEqual({ revoked_reason: 'absolute_timeout' });
    } finally {
      await db.end();
    }
  });

  it('requires the CSRF header on cookie-authenticated writes', async () => {
    const email = await newUser();
    const client = new ApiClient(t.baseUrl);
    await client.signInAndEnroll(email, PASSWORD);
    const forged = await client.request('POST', '/api/v1/auth/logout-everywhere', {}, { 'x-csrf-token': 'forged' });
    expect(forged.status).toBe(403);
    expect(forged.body).toMatchObject({ code: 'csrf' });
    expect((await client.get('/api/v1/auth/me')).status).toBe(200);
  });

  it('logs out here, or everywhere', async () => {
    const email = await newUser();
    const a = new ApiClient(t.baseUrl);
    const { secret } = await a.signInAndEnroll(email, PASSWORD);
    const b = new ApiClient(t.baseUrl);
    await b.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect((await b.post('/api/v1/auth/mfa/verify', { code: nextTotp(secret) })).status).toBe(204);
    expect((await a.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await a.get('/api/v1/auth/me')).status).toBe(401);
    expect((await b.get('/api/v1/auth/me')).status).toBe(200);
    expect((await b.post('/api/v1/auth/logout-everywhere')).status).toBe(204);
    expect((await b.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('audits sign-in events without secrets', async () => {
    const db = await superuser(t.databaseUrl);
    try {
      const actions = (await db.query(`SELECT DISTINCT action || ':' || outcome AS a FROM audit_log`)).rows.map((r: { a: string }) => r.a);
      expect(actions).toEqual(
        expect.arrayContaining([
          'auth.login:success',
          'auth.login:failure',
          'auth.lockout:success',
          'auth.mfa-enrolled:success',
          'auth.mfa-verify:failure',
          'auth.logout:success',
          'auth.recovery-code-used:success',
        ]),
      );
      const dump = JSON.stringify((await db.query('SELECT * FROM audit_log')).rows);
      expect(dump).not.toContain(PASSWORD);
      expect(dump).not.toContain('not-the-password');
    } finally {
      await db.end();
    }
  });
});

async function readSecret(t: TestApp, email: string): Promise<string | null> {
  const users = t.app.get(UsersService);
  const user = await users.findByEmail(email);
  return user ? users.activeMfaSecret(user) : null;
}
