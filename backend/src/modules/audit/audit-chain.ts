import { createHash } from 'node:crypto';

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

export interface ChainFields {
  id: number;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

/** JSON with object keys sorted at every depth: one byte sequence per value, whatever the insertion order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 over the previous row's hash and this row's canonical serialisation. */
export function chainHash(prevHash: Buffer, row: ChainFields): Buffer {
  const canonical = canonicalJson({
    id: row.id,
    occurredAt: row.occurredAt.toISOString(),
    actorType: row.actorType,
    actorId: row.actorId,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    outcome: row.outcome,
    ip: row.ip,
    userAgent: row.userAgent,
    details: row.details,
  });
  return createHash('sha256').update(prevHash).update(canonical).digest();
}

export interface ChainProblem {
  id: number;
  kind: 'changed' | 'broken_link';
  message: string;
}

/** Walks rows in id order and says which row breaks the chain and how. */
export function verifyChain(rows: (ChainFields & { prevHash: Buffer; hash: Buffer })[], startPrev = GENESIS_HASH): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev: Buffer = startPrev;
  for (const row of rows) {
    if (!row.prevHash.equals(prev)) {
      problems.push({
        id: row.id,
        kind: 'broken_link',
        message: `row ${row.id} does not follow the row before it: a row was removed, inserted or changed before it`,
      });
    }
    if (!chainHash(row.prevHash, row).equals(row.hash)) {
      problems.push({ id: row.id, kind: 'changed', message: `row ${row.id} was changed after it was written` });
    }
    prev = row.hash;
  }
  return problems;
}
