import { chainHash, GENESIS_HASH } from '../../backend/src/modules/audit/audit-chain.js';
import { superuser } from './stack.js';

interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

/**
 * Backdates the audit entries with id <= `throughId` (`occurredAt(id)`, which must keep them in id order) and writes
 * the chain again from the genesis hash with the new times, as if the entries had been written then: the chain stays
 * valid, so a test can tell what a purge does to it from what the backdating did. Triggers are off for the session,
 * as only a superuser can do. Run it before anything is purged, while other writers wait on the chain lock.
 */
export async function ageAuditEntries(databaseUrl: string, throughId: number, occurredAt: (id: number) => Date): Promise<void> {
  const db = await superuser(databaseUrl);
  try {
    await db.query('BEGIN');
    await db.query(`SET LOCAL session_replication_role = replica`);
    // The audit module's chain lock: no entry is appended while the chain is written again.
    await db.query(`SELECT pg_advisory_xact_lock(727001)`);
    const rows = (await db.query<AuditRow>(`SELECT * FROM audit_log ORDER BY id`)).rows;
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const id = Number(r.id);
      const row = {
        id,
        occurredAt: id <= throughId ? occurredAt(id) : r.occurred_at,
        actorType: r.actor_type,
        actorId: r.actor_id,
        action: r.action,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        outcome: r.outcome,
        ip: r.ip,
        userAgent: r.user_agent,
        details: r.details,
      };
      const hash = chainHash(prev, row);
      await db.query(`UPDATE audit_log SET occurred_at = $2, prev_hash = $3, hash = $4 WHERE id = $1`, [id, row.occurredAt, prev, hash]);
      prev = hash;
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK');
    throw err;
  } finally {
    await db.end();
  }
}
