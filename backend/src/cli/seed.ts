import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { AuditService } from '../modules/audit/index.js';
import { UsersService } from '../modules/auth/index.js';
import { Role } from '../platform/http/index.js';

export const DEMO_ADMIN_EMAIL = 'admin@hipaa-mail.local';

export interface SeedResult {
  adminCreated: boolean;
  adminEmail: string;
  /** Only when the admin was created now: shown once, never stored in plaintext. */
  adminPassword?: string;
}

/** Demo data for the embedded default. Idempotent: runs on every start, creates only what is missing. */
export async function seedDemoData(app: INestApplicationContext): Promise<SeedResult> {
  const users = app.get(UsersService);
  const audit = app.get(AuditService);
  if ((await users.count()) > 0) return { adminCreated: false, adminEmail: DEMO_ADMIN_EMAIL };
  const password = `${randomBytes(12).toString('base64url')}-${randomBytes(3).toString('hex')}`;
  const admin = await users.create({ email: DEMO_ADMIN_EMAIL, displayName: 'Administrator', role: Role.Admin, password });
  await audit.record({
    actor: { type: 'system' },
    action: 'user.created',
    subject: { type: 'user', id: admin.id },
    details: { role: admin.role, via: 'seed' },
  });
  return { adminCreated: true, adminEmail: DEMO_ADMIN_EMAIL, adminPassword: password };
}
