import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface EmbeddedSecrets {
  postgresPassword: string;
  masterKey: string;
  /** Encrypts `npm run backup` files; a key of its own, never the master key. */
  backupKey: string;
}

/** Secrets of the embedded default, made on the first start and kept (mode 0600) for the next. */
export async function loadOrCreateSecrets(file: string): Promise<EmbeddedSecrets> {
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Omit<EmbeddedSecrets, 'backupKey'> & { backupKey?: string };
    if (kept.backupKey) return { ...kept, backupKey: kept.backupKey };
    // Made before backups existed: add the backup key, keep everything else.
    const upgraded: EmbeddedSecrets = { ...kept, backupKey: randomBytes(32).toString('base64') };
    await writeFile(file, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
    return upgraded;
  }
  const secrets: EmbeddedSecrets = {
    postgresPassword: randomBytes(18).toString('base64url'),
    masterKey: randomBytes(32).toString('base64'),
    backupKey: randomBytes(32).toString('base64'),
  };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
