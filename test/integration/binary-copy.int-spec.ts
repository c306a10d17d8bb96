import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/stack.js';
import { type CopyColumn, copyRows } from '../../backend/src/platform/database/copy.js';

const COLUMNS: CopyColumn[] = [
  { name: 'id', type: 'int8' },
  { name: 'small', type: 'int4' },
  { name: 'label', type: 'text' },
  { name: 'blob', type: 'bytea' },
  { name: 'doc', type: 'jsonb' },
  { name: 'tokens', type: 'int8[]' },
  { name: 'at', type: 'timestamptz' },
];

describe('copyRows (binary COPY)', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = new DataSource({ type: 'postgres', url: await createTestDatabase() });
    await db.initialize();
    await db.query(`CREATE TABLE copied (id bigint, small integer, label text, blob bytea, doc jsonb, tokens bigint[], at timestamptz)`);
  });
  afterAll(async () => db.destroy());

  it('writes every type as Postgres reads it back, NULLs and edge values included', async () => {
    const blob = Buffer.from([0, 1, 0x5c, 0x09, 0x0a, 0xff]);
    const rows = [
      [
        '9223372036854775807',
        -7,
        'tab\tnew\nline \\ back',
        blob,
        '{"a":[1,"é"],"b":null}',
        ['-9223372036854775808', '42'],
        new Date('2026-11-23T18:00:00.123Z'),
      ],
      ['-1', 0, 'Zoë 🩺 ünïcödé', Buffer.alloc(0), '{}', [], new Date('1999-12-31T23:59:59.999Z')],
      [3n, null, null, null, null, null, null],
    ];
    await db.transaction((tx) => copyRows(tx, 'copied', COLUMNS, rows));
    const back = await db.query<Record<string, unknown>[]>(
      `SELECT id::text, small, label, blob, doc, tokens::text[] AS tokens, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at FROM copied ORDER BY id`,
    );
    expect(back).toEqual([
      { id: '-1', small: 0, label: 'Zoë 🩺 ünïcödé', blob: Buffer.alloc(0), doc: {}, tokens: [], at: '1999-12-31T23:59:59.999' },
      { id: '3', small: null, label: null, blob: null, doc: null, tokens: null, at: null },
      {
        id: '9223372036854775807',
        small: -7,
        label: 'tab\tnew\nline \\ back',
        blob,
        doc: { a: [1, 'é'], b: null },
        tokens: ['-9223372036854775808', '42'],
        at: '2026-11-23T18:00:00.123',
      },
    ]);
  });

  it('streams batches larger than one chunk', async () => {
    await db.query(`TRUNCATE copied`);
    const big = Buffer.alloc(1000, 7);
    const rows = Array.from({ length: 5000 }, (_, i) => [String(i), i, `row ${i}`, big, `{"i":${i}}`, [String(i)], new Date(Date.UTC(2026, 0, 1) + i)]);
    await db.transaction((tx) => copyRows(tx, 'copied', COLUMNS, rows));
    const [{ n, sum, bytes }] = await db.query<[{ n: number; sum: string; bytes: string }]>(
      `SELECT count(*)::int AS n, sum(small)::text AS sum, sum(length(blob))::text AS bytes FROM copied WHERE tokens[1] = id AND (doc->>'i')::bigint = id`,
    );
    expect({ n, sum, bytes }).toEqual({ n: 5000, sum: String((4999 * 5000) / 2), bytes: '5000000' });
  });

  it('refuses a row with the wrong number of values, before anything is sent', async () => {
    await expect(db.transaction((tx) => copyRows(tx, 'copied', COLUMNS, [['1', 2]]))).rejects.toThrow(/2 values for 7 columns/);
  });
});
