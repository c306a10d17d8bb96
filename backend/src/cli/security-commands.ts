import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { INestApplicationContext } from '@nestjs/common';
import { AuditService } from '../modules/audit/index.js';
import { CryptoService, KeyRotationService, LocalKeyProvider } from '../modules/crypto/index.js';

/** `main.js audit-verify`: walks the whole chain; exit 0 when intact, 1 with each problem named. */
export async function auditVerifyCommand(app: INestApplicationContext): Promise<number> {
  const audit = app.get(AuditService);
  const result = await audit.verify();
  await audit.record({
    actor: { type: 'system', id: `cli:${userInfo().username}` },
    action: 'audit.verify',
    outcome: result.valid ? 'success' : 'failure',
    details: { rowsChecked: result.rowsChecked, problems: result.problems.length },
  });
  for (const p of result.problems) process.stderr.write(`${p.kind}: ${p.message}\n`);
  process.stderr.write(
    result.valid
      ? `audit chain intact: ${result.rowsChecked} entries, head ${result.headHash ?? '(empty)'}\n`
      : `audit chain BROKEN: ${result.problems.length} problem(s) in ${result.rowsChecked} entries\n`,
  );
  process.stdout.write(
    `AUDIT ${JSON.stringify({ valid: result.valid, rowsChecked: result.rowsChecked, headId: result.headId, headHash: result.headHash, problems: result.problems })}\n`,
  );
  return result.valid ? 0 : 1;
}

/** `main.js rotate-key --purpose phi|secrets`: a new data key now, existing values re-encrypted here, with progress. */
export async function rotateKeyCommand(app: INestApplicationContext, argv: string[]): Promise<number> {
  const purposeIndex = argv.indexOf('--purpose');
  const purpose = purposeIndex >= 0 ? argv[purposeIndex + 1] : undefined;
  if (purpose !== 'phi' && purpose !== 'secrets') {
    process.stderr.write('usage: main.js rotate-key --purpose phi|secrets\n');
    return 64;
  }
  const rotation = app.get(KeyRotationService);
  const started = await rotation.start(purpose, { type: 'system', id: `cli:${userInfo().username}` });
  process.stderr.write(`new ${purpose} data key ${started.toKeyId} is current; re-encrypting ${started.total} value(s)…\n`);
  // Run it here; a worker that picks up the queued job finds nothing left (the job is idempotent).
  await rotation.run(started.id);
  const done = await rotation.get(started.id);
  process.stderr.write(`${done.status}: ${done.done}/${done.total} re-encrypted${done.error ? ` (${done.error})` : ''}\n`);
  process.stdout.write(`ROTATION ${JSON.stringify(done)}\n`);
  return done.status === 'completed' ? 0 : 1;
}

const REWRAP_USAGE = 'usage: main.js rewrap-master-key --new-key-file <file holding 32 bytes, base64>';

/**
 * `main.js rewrap-master-key --new-key-file <file>`: master-key rotation. The data keys are wrapped
 * again under the new master key (read from a file, never from the command line, where `ps` shows it);
 * then every process restarts with MASTER_KEY set to the new key.
 */
export async function rewrapMasterKeyCommand(app: INestApplicationContext, argv: string[]): Promise<number> {
  const fileIndex = argv.indexOf('--new-key-file');
  const file = fileIndex >= 0 ? argv[fileIndex + 1] : undefined;
  if (!file) {
    process.stderr.write(`${REWRAP_USAGE}\n`);
    return 64;
  }
  let next: LocalKeyProvider;
  try {
    next = new LocalKeyProvider(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  } catch (err) {
    const reason = (err as { code?: string }).code === 'ENOENT' ? 'file not found' : 'it must hold 32 bytes, base64-encoded';
    process.stderr.write(`--new-key-file: ${reason}\n${REWRAP_USAGE}\n`);
    return 64;
  }
  const result = await app.get(CryptoService).rewrapDataKeys(next);
  await app.get(AuditService).record({
    actor: { type: 'system', id: `cli:${userInfo().username}` },
    action: 'crypto.master-key-rewrapped',
    details: { dataKeys: result.rewrapped, from: result.from, to: result.to },
  });
  process.stderr.write(`${result.rewrapped} data key(s) now wrapped by ${result.to}; restart every process with the new MASTER_KEY\n`);
  process.stdout.write(`REWRAP ${JSON.stringify(result)}\n`);
  return 0;
}
