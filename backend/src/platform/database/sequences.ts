import type { DataSource, EntityManager } from 'typeorm';

/**
 * `n` fresh values of a sequence, as decimal strings, in one round trip and one result row (a
 * result row per id costs the driver more than the ids are worth on batches of thousands).
 */
export async function nextIds(db: EntityManager | DataSource, sequence: string, n: number): Promise<string[]> {
  if (n <= 0) return [];
  const [{ ids }] = await db.query<[{ ids: string }]>(`SELECT string_agg(nextval($1::regclass)::text, ',') AS ids FROM generate_series(1, $2)`, [sequence, n]);
  return ids.split(',');
}
