import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { CryptoService, ENCRYPTED_COLUMNS, KeyRotationService } from '../../backend/src/modules/crypto/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';

describe('PHI encryption', () => {
  let t: TestApp;
  let crypto: CryptoService;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'all' });
    crypto = t.app.get(CryptoService);
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('round-trips a value bound to its table, column and row', async () => {
    const aad = CryptoService.aad('contacts', 'phi', 'row-1');
    const sealed = crypto.encrypt('phi', 'Type 2 diabetes', aad);
    expect(sealed.includes(Buffer.from('diabetes'))).toBe(false);
    expect(await crypto.decryptText(sealed, aad)).toBe('Type 2 diabetes');
    // Same plaintext, fresh IV: no equality leak between rows.
    expect(crypto.encrypt('phi', 'Type 2 diabetes', aad).equals(sealed)).toBe(false);
  });

  it('detects a flipped bit anywhere in the ciphertext (GCM)', async () => {
    const aad = CryptoService.aad('contacts', 'phi', 'row-1');
    const sealed = crypto.encrypt('phi', 'E11.9', aad);
    for (const index of [20, 33, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] ^= 0x01;
      await expect(crypto.decrypt(tampered, aad)).rejects.toMatchObject({ code: 'crypto_integrity' });
    }
  });

  it('refuses a ciphertext moved to another row or column', async () => {
    const sealed = crypto.encrypt('phi', '1961-03-14', CryptoService.aad('contacts', 'birth_date', 'row-1'));
    await expect(crypto.decrypt(sealed, CryptoService.aad('contacts', 'birth_date', 'row-2'))).rejects.toMatchObject({ code: 'crypto_integrity' });
    await expect(crypto.decrypt(sealed, CryptoService.aad('contacts', 'first_name', 'row-1'))).rejects.toMatchObject({ code: 'crypto_integrity' });
  });

  it('gives equal blind indexes for equal normalised values and different ones per domain', () => {
    expect(crypto.blindIndex('contacts.email', 'a@b.org').equals(crypto.blindIndex('contacts.email', 'a@b.org'))).toBe(true);
    expect(crypto.blindIndex('contacts.email', 'a@b.org').equals(crypto.blindIndex('contacts.mrn', 'a@b.org'))).toBe(false);
    expect(crypto.blindIndex('contacts.email', 'a@b.org')).toHaveLength(32);
  });

  it('stores data keys only wrapped by the master key', async () => {
    const db = await superuser(t.databaseUrl);
    try {
      const rows = (await db.query<{ purpose: string; wrapped_key: Buffer; status: string }>('SELECT purpose, wrapped_key, status FROM data_keys')).rows;
      expect(
        rows
          .filter((r) => r.status === 'active')
          .map((r) => r.purpose)
          .sort(),
      ).toEqual(['blind-index', 'phi', 'secrets']);
      for (const r of rows) expect(r.wrapped_key).toHaveLength(12 + 16 + 32);
    } finally {
      await db.end();
    }
  });

  it('rotates a key in the background and leaves every value readable under the new key', async () => {
    const users = t.app.get(UsersService);
    const secrets = new Map<string, string>();
    for (let i = 0; i < 25; i++) {
      const email = `rot${i}@clinic.test`;
      await users.create({ email, displayName: `R${i}`, role: Role.Marketer, password: PASSWORD });
      const { secret } = await new ApiClient(t.baseUrl).signInAndEnroll(email, PASSWORD);
      secrets.set(email, secret);
    }
    const rotation = t.app.get(KeyRotationService);
    const oldKey = crypto.activeKeyId('secrets');
    expect(await rotation.remaining('secrets', oldKey)).toBe(0);

    // Through the API, as an admin would.
    await users.create({ email: 'admin@clinic.test', displayName: 'Admin', role: Role.Admin, password: PASSWORD });
    const admin = new ApiClient(t.baseUrl);
    const adminSecret = (await admin.signInAndEnroll('admin@clinic.test', PASSWORD)).secret;
    secrets.set('admin@clinic.test', adminSecret);
    const bad = await admin.post('/api/v1/key-rotations', { purpose: 'blind-index' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ fields: [{ field: 'purpose', message: 'purpose must be phi or secrets' }] });
    const started = await admin.post<{ id: number; total: number; toKeyId: number }>('/api/v1/key-rotations', { purpose: 'secrets' });
    expect(started.status).toBe(201);
    expect(started.body.total).toBe(26);
    expect(started.body.toKeyId).not.toBe(oldKey);

    const done = await waitFor(
      async () => {
        const res = await admin.get<{ status: string; done: number; percent: number }>(`/api/v1/key-rotations/${started.body.id}`);
        return res.body.status === 'running' ? undefined : res.body;
      },
      30_000,
      'rotation to finish',
    );
    expect(done).toMatchObject({ status: 'completed', done: 26, percent: 100 });
    expect(await rotation.remaining('secrets', started.body.toKeyId)).toBe(0);

    // Every secret still decrypts, now under the new key.
    for (const [email, secret] of secrets) {
      const user = (await users.findByEmail(email))!;
      expect(CryptoService.keyIdOf(user.mfaSecret!)).toBe(started.body.toKeyId);
      expect(await users.activeMfaSecret(user)).toBe(secret);
    }
    const db = await superuser(t.databaseUrl);
    try {
      const actions = (await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'crypto.%' ORDER BY id`)).rows.map((r) => r.action);
      expect(actions).toEqual(['crypto.key-rotated', 'crypto.reencrypt-finished']);
    } finally {
      await db.end();
    }
  });

  it('lists every bytea column that holds ciphertexts for rotation', async () => {
    const db = await superuser(t.databaseUrl);
    try {
      const columns = (
        await db.query<{ c: string }>(
          `SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'bytea'`,
        )
      ).rows.map((r) => r.c);
      // Hashes, wrapped keys and chain links are not CryptoService ciphertexts.
      const notCiphertexts = new Set([
        'data_keys.wrapped_key',
        'audit_log.prev_hash',
        'audit_log.hash',
        'audit_anchors.purged_through_hash',
        'sessions.id',
        'recovery_codes.code_hash',
        'api_keys.key_hash',
        'contacts.email_token',
        'contact_identifiers.token',
        'suppressions.email_token',
        // Keyed hashes of idempotency keys and inbound message keys.
        'contact_events.idempotency_token',
        'inbound_messages.dedupe_token',
        // Transient: an upload's encrypted chunks are deleted when its import ends.
        'import_chunks.data',
      ]);
      const expected = columns.filter((c) => !notCiphertexts.has(c)).sort();
      expect(ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort()).toEqual(expected);
    } finally {
      await db.end();
    }
  });
});
