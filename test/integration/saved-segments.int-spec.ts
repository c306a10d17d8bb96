import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const RARE_CODE = 'C50.919';
const RARE_PLAN = 'Zephyrine Mutual Gold';

interface Snapshot {
  id: string;
  segmentId: number;
  count: number;
  createdAt: string;
}
interface Segment {
  id: number;
  name: string;
  description: string;
  kind: 'dynamic' | 'snapshot';
  rule?: unknown;
  dependsOn: number[];
  lastSnapshot: Snapshot | null;
}
interface Count {
  count: number;
  liveCount: number;
  snapshot: Snapshot | null;
}

describe('saved segments and snapshots', () => {
  let t: TestApp;
  let marketer: ApiClient;
  let officer: ApiClient;
  const rule = {
    op: 'and',
    rules: [
      { field: 'condition', codes: [RARE_CODE] },
      { field: 'insurancePlan', in: [RARE_PLAN] },
    ],
  };

  const addPatients = async (from: number, n: number) => {
    const contacts = Array.from({ length: n }, (_, i) => ({
      email: `saved${from + i}@example.org`,
      conditions: [{ system: 'ICD-10', code: (from + i) % 2 === 0 ? RARE_CODE : 'I10' }],
      insurancePlan: RARE_PLAN,
    }));
    const res = await marketer.post<{ summary: Record<string, number> }>('/api/v1/contacts/bulk', { contacts });
    expect(res.body.summary.created).toBe(n);
  };

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    const users = t.app.get(UsersService);
    await users.create({ email: 'mk@clinic.test', displayName: 'Mk', role: Role.Marketer, password: PASSWORD });
    await users.create({ email: 'co@clinic.test', displayName: 'Co', role: Role.ComplianceOfficer, password: PASSWORD });
    marketer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('mk@clinic.test', PASSWORD);
    officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('co@clinic.test', PASSWORD);
    await addPatients(0, 10);
  }, 60_000);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('saves, lists, reads, updates and counts a dynamic segment; the rule rests encrypted', async () => {
    const created = await marketer.post<Segment>('/api/v1/segments', { name: 'Breast cancer, Zephyrine', description: 'Outreach', rule });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Breast cancer, Zephyrine', kind: 'dynamic', rule, dependsOn: [], lastSnapshot: null });
    const id = created.body.id;

    expect((await marketer.get<Count>(`/api/v1/segments/${id}/count`)).body).toMatchObject({ count: 5, liveCount: 5, snapshot: null });
    expect((await marketer.get<Segment>(`/api/v1/segments/${id}`)).body.rule).toEqual(rule);

    const other = await marketer.post<Segment>('/api/v1/segments', {
      name: 'Everyone with I10',
      kind: 'dynamic',
      rule: { field: 'condition', codes: ['I10'] },
    });
    const page = await marketer.get<{ data: Segment[]; total: number }>('/api/v1/segments?perPage=1&page=1&order=ASC');
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    expect(page.body.data.map((s) => s.id)).toEqual([id]);
    // The list carries no rule: it is decrypted only for one segment at a time.
    expect(page.body.data[0].rule).toBeUndefined();
    const filtered = await marketer.get<{ data: Segment[] }>(`/api/v1/segments?filter=${encodeURIComponent(JSON.stringify({ ids: [other.body.id] }))}`);
    expect(filtered.body.data.map((s) => s.id)).toEqual([other.body.id]);

    const renamed = await marketer.request<Segment>('PATCH', `/api/v1/segments/${id}`, { name: 'Renamed', rule: { field: 'condition', codes: [RARE_CODE] } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', description: 'Outreach', rule: { field: 'condition', codes: [RARE_CODE] } });

    const dump = await dumpDatabase(t.databaseUrl);
    expect(phiFound(dump, [RARE_CODE, RARE_PLAN])).toEqual([]);
  });

  it('refuses invalid rules with a 400 naming the field, and unknown segments with a 404', async () => {
    const bad = await marketer.post<{ fields: { field: string; message: string }[] }>('/api/v1/segments', {
      name: 'Bad',
      rule: { op: 'and', rules: [{ field: 'age', min: 5 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ field: 'rule.rules[0]', message: 'age needs whole numbers min ≤ max between 0 and 130' }]);
    const missing = await marketer.post<{ fields: { field: string }[] }>('/api/v1/segments', { name: 'No rule' });
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toEqual([{ field: 'rule', message: 'must be an object' }]);
    expect((await marketer.post('/api/v1/segments', { name: 'Kind', kind: 'weekly', rule })).status).toBe(400);
    expect((await marketer.get('/api/v1/segments/999999')).status).toBe(404);
    expect((await marketer.get('/api/v1/segments/999999/count')).status).toBe(404);
  });

  it('freezes snapshots that later contacts do not change, audited; a snapshot segment counts its latest snapshot', async () => {
    const dynamic = (await marketer.post<Segment>('/api/v1/segments', { name: 'Snap me', rule })).body;
    const snap = await marketer.post<Snapshot>(`/api/v1/segments/${dynamic.id}/snapshots`);
    expect(snap.status).toBe(201);
    expect(snap.body).toMatchObject({ segmentId: dynamic.id, count: 5 });

    const frozen = await marketer.post<Segment>('/api/v1/segments', { name: 'Frozen', kind: 'snapshot', rule });
    expect(frozen.body.lastSnapshot).toMatchObject({ count: 5 });

    await addPatients(100, 4);
    expect((await marketer.get<Count>(`/api/v1/segments/${dynamic.id}/count`)).body).toMatchObject({ count: 7, liveCount: 7, snapshot: { count: 5 } });
    expect((await marketer.get<Count>(`/api/v1/segments/${frozen.body.id}/count`)).body).toMatchObject({ count: 5, liveCount: 7 });

    const second = await marketer.post<Snapshot>(`/api/v1/segments/${dynamic.id}/snapshots`);
    expect(second.body.count).toBe(7);
    const list = await officer.get<{ data: Snapshot[]; total: number }>(`/api/v1/segments/${dynamic.id}/snapshots`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(2);
    expect(list.body.data.map((s) => s.count)).toEqual([7, 5]);

    const db = await superuser(t.databaseUrl);
    try {
      const members = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM segment_snapshot_members WHERE snapshot_id = $1`, [snap.body.id]);
      expect(members.rows[0].n).toBe(5);
      const audit = await db.query<{ action: string; details: { snapshotId: string; members: number } }>(
        `SELECT action, details FROM audit_log WHERE subject_type = 'segment' AND subject_id = $1 ORDER BY id`,
        [String(dynamic.id)],
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['segment.created', 'segment.snapshot_created', 'segment.snapshot_created']);
      expect(audit.rows[1].details).toMatchObject({ snapshotId: snap.body.id, members: 5 });
    } finally {
      await db.end();
    }
  });

  it('refuses membership cycles, unknown segments and attributes, and ranges on the wrong type; keeps a used segment', async () => {
    type Problems = { fields: { field: string; message: string }[] };
    const a = (await marketer.post<Segment>('/api/v1/segments', { name: 'A', rule })).body;
    const b = await marketer.post<Segment>('/api/v1/segments', { name: 'B', rule: { op: 'or', rules: [{ field: 'segment', segmentId: a.id }] } });
    expect(b.status).toBe(201);
    expect(b.body.dependsOn).toEqual([a.id]);
    const c = (await marketer.post<Segment>('/api/v1/segments', { name: 'C', rule: { op: 'not', rule: { field: 'segment', segmentId: b.body.id } } })).body;
    // Members of B are A's; C is everyone else.
    expect((await marketer.get<Count>(`/api/v1/segments/${b.body.id}/count`)).body.count).toBe(
      (await marketer.get<Count>(`/api/v1/segments/${a.id}/count`)).body.count,
    );

    const cycle = await marketer.request<Problems>('PATCH', `/api/v1/segments/${a.id}`, {
      rule: { op: 'and', rules: [rule, { field: 'segment', segmentId: c.id }] },
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.fields).toEqual([
      { field: 'rule.rules[1].segmentId', message: `refers back to this segment (${a.id} → ${c.id} → ${b.body.id} → ${a.id})` },
    ]);
    const self = await marketer.request<Problems>('PATCH', `/api/v1/segments/${a.id}`, { rule: { field: 'segment', segmentId: a.id } });
    expect(self.status).toBe(400);
    expect(self.body.fields[0].field).toBe('rule.segmentId');

    const unknown = await marketer.post<Problems>('/api/v1/segments/preview', { rule: { field: 'segment', segmentId: 999999 } });
    expect(unknown.body.fields).toEqual([{ field: 'rule.segmentId', message: 'no such segment' }]);
    await marketer.post('/api/v1/attributes', { key: 'tier', label: 'Tier', type: 'text', isPhi: false });
    const attrs = await marketer.post<Problems>('/api/v1/segments/preview', {
      rule: {
        op: 'and',
        rules: [
          { field: 'attribute', key: 'nope', in: ['x'] },
          { field: 'attribute', key: 'tier', min: 3 },
          { field: 'attribute', key: 'tier', in: ['gold'], max: 3 },
          { field: 'engagement', event: 'bounced', withinDays: 0 },
        ],
      },
    });
    expect(attrs.status).toBe(400);
    expect(attrs.body.fields).toEqual([
      { field: 'rule.rules[2]', message: 'give either in, a number range (min, max) or a date range (from, to)' },
      { field: 'rule.rules[3].event', message: 'must be received, opened, clicked' },
      { field: 'rule.rules[3].withinDays', message: 'must be 1 to 3650' },
    ]);
    const semantic = await marketer.post<Problems>('/api/v1/segments/preview', {
      rule: {
        op: 'or',
        rules: [
          { field: 'attribute', key: 'nope', in: ['x'] },
          { field: 'attribute', key: 'tier', min: 3 },
        ],
      },
    });
    expect(semantic.body.fields).toEqual([
      { field: 'rule.rules[0].key', message: 'no such attribute' },
      { field: 'rule.rules[1]', message: 'min and max need a number attribute' },
    ]);

    const inUse = await marketer.request<{ code: string }>('DELETE', `/api/v1/segments/${a.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('segment_in_use');
  });

  it('follows contact edits, re-imports and erasure through the condition side table', async () => {
    const probe = {
      op: 'and',
      rules: [
        { field: 'condition', codes: ['Z87.891'] },
        { field: 'insurancePlan', in: ['Lakeside Basic'] },
      ],
    };
    const count = async () => (await marketer.post<{ count: number }>('/api/v1/segments/preview', { rule: probe })).body.count;
    const made = await marketer.post<{ results: { id: string }[] }>('/api/v1/contacts/bulk', {
      contacts: [0, 1, 2].map((i) => ({ email: `side${i}@example.org`, conditions: [{ system: 'ICD-10', code: 'Z87.891' }], insurancePlan: 'Lakeside Basic' })),
    });
    const [a, b, c] = made.body.results.map((r) => r.id);
    expect(await count()).toBe(3);
    // A carried token (the plan) changes: the side table follows.
    expect((await marketer.request('PATCH', `/api/v1/contacts/${a}`, { insurancePlan: 'Other Plan' })).status).toBe(200);
    expect(await count()).toBe(2);
    // The condition goes: the contact leaves.
    expect((await marketer.request('PATCH', `/api/v1/contacts/${b}`, { conditions: [{ system: 'ICD-10', code: 'I10' }] })).status).toBe(200);
    expect(await count()).toBe(1);
    // A bulk update back (the importer's writer): it returns.
    await marketer.post('/api/v1/contacts/bulk', { contacts: [{ email: 'side0@example.org', insurancePlan: 'Lakeside Basic' }] });
    expect(await count()).toBe(2);
    // Erased: gone from the side table too.
    expect((await officer.request('DELETE', `/api/v1/contacts/${c}`)).status).toBe(200);
    expect(await count()).toBe(1);
    const db = await superuser(t.databaseUrl);
    try {
      const rows = await db.query<{ contact_id: string }>(
        `SELECT DISTINCT contact_id::text FROM contact_condition_tokens WHERE contact_id = ANY($1::bigint[])`,
        [[a, b, c]],
      );
      expect(rows.rows.map((r) => r.contact_id).sort()).toEqual([a, b].sort());
    } finally {
      await db.end();
    }
  });

  it('lets a compliance officer read but not change segments, and deletes by retiring', async () => {
    const seg = (await marketer.post<Segment>('/api/v1/segments', { name: 'To retire', rule })).body;
    expect((await officer.get(`/api/v1/segments/${seg.id}`)).status).toBe(200);
    expect((await officer.post('/api/v1/segments', { name: 'No', rule })).status).toBe(403);
    expect((await officer.post(`/api/v1/segments/${seg.id}/snapshots`)).status).toBe(403);
    expect((await officer.request('DELETE', `/api/v1/segments/${seg.id}`)).status).toBe(403);

    await marketer.post(`/api/v1/segments/${seg.id}/snapshots`);
    const deleted = await marketer.request('DELETE', `/api/v1/segments/${seg.id}`);
    expect(deleted.status).toBe(200);
    expect((await marketer.get(`/api/v1/segments/${seg.id}`)).status).toBe(404);
    const list = await marketer.get<{ data: Segment[] }>('/api/v1/segments?perPage=100');
    expect(list.body.data.map((s) => s.id)).not.toContain(seg.id);
    // Its snapshots stay, for audits of who was targeted.
    const db = await superuser(t.databaseUrl);
    try {
      expect((await db.query(`SELECT 1 FROM segment_snapshots WHERE segment_id = $1`, [seg.id])).rowCount).toBe(1);
    } finally {
      await db.end();
    }
  });
});
