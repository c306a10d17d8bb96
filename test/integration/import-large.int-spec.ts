import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { CSV_HEADER, csvRow } from '../support/csv-generator.js';
import { uploadRaw } from '../support/imports.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

const GIB = 1024 * 1024 * 1024;

describe('a 1 GiB upload', () => {
  let t: TestApp;
  let client: ApiClient;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    await t.app.get(UsersService).create({ email: 'big@clinic.test', displayName: 'Big', role: Role.Marketer, password: 'granite-otter-lantern-42' });
    client = new ApiClient(t.baseUrl);
    await client.signInAndEnroll('big@clinic.test', 'granite-otter-lantern-42');
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('streams into encrypted storage without the server growing with the file', async () => {
    // One megabyte of rows, sent again and again: the server never sees the file whole.
    const lines: string[] = [];
    let size = 0;
    for (let n = 0; size < 1024 * 1024; n++) {
      const line = `${csvRow(n, 'large')}\r\n`;
      lines.push(line);
      size += line.length;
    }
    const block = Buffer.from(lines.join(''));
    const header = Buffer.from(`${CSV_HEADER}\r\n`);
    const blocks = Math.ceil((GIB - header.length) / block.length);
    const hash = createHash('sha256').update(header);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(header);
        sent += header.length;
      },
      pull(controller) {
        if (sent >= header.length + blocks * block.length) {
          controller.close();
          return;
        }
        controller.enqueue(block);
        hash.update(block);
        sent += block.length;
      },
    });

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const up = await uploadRaw(t.baseUrl, client, body, 'one-gibibyte.csv');
    clearInterval(sampler);

    expect(up.status).toBe(201);
    expect(up.body.bytes).toBe(sent);
    expect(sent).toBeGreaterThanOrEqual(GIB);
    expect(up.body.sha256).toBe(hash.digest('hex'));
    expect(up.body.headers).toHaveLength(14);
    // Client and server share this process: the growth bounds both together.
    const growthMb = (peak - baseline) / 1024 / 1024;
    expect(growthMb).toBeLessThan(200);

    const db = await superuser(t.databaseUrl);
    try {
      const stored = await db.query<{ chunks: number; bytes: string }>(
        `SELECT count(*)::int AS chunks, sum(length(data))::text AS bytes FROM import_chunks WHERE import_id = $1`,
        [up.body.id],
      );
      expect(stored.rows[0].chunks).toBeGreaterThanOrEqual(1000);
      // Each 1 MiB chunk carries 33 bytes of format header, key id, IV and tag.
      expect(Number(stored.rows[0].bytes)).toBe(sent + stored.rows[0].chunks * 33);
      const sample = await db.query<{ data: Buffer }>(`SELECT data FROM import_chunks WHERE import_id = $1 AND seq = 10`, [up.body.id]);
      expect(sample.rows[0].data.includes(Buffer.from('@example.org'))).toBe(false);
    } finally {
      await db.end();
    }
    expect((await client.post(`/api/v1/imports/${up.body.id}/cancel`)).status).toBe(200);
  }, 300_000);
});
