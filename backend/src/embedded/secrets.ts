import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface EmbeddedSecrets {
  postgresPassword: string;
  masterKey: string;
}

/** Secrets of the embedded default, made on the first start and kept (mode 0600) for the next. */
export async function loadOrCreateSecrets(file: string): Promise<EmbeddedSecrets> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as EmbeddedSecrets;
  const secrets: EmbeddedSecrets = {
    postgresPassword: randomBytes(18).toString('base64url'),
    masterKey: randomBytes(32).toString('base64'),
  };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
