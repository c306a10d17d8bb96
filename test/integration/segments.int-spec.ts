import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { AttributesService, validateContact } from '../../backend/src/modules/contacts/index.js';
import { type EngagementEvent, EngagementService } from '../../backend/src/modules/engagement/index.js';
import { type ContactFacts, evaluateRule, type SegmentRule, SegmentsService } from '../../backend/src/modules/segments/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { startTestApp, type TestApp } from '../support/stack.js';

const CONTACTS = 400;
const RULES = 200;
const TODAY = new Date().toISOString().slice(0, 10);

/** A small deterministic PRNG (mulberry32), so a failing rule can be replayed. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CODES = ['E11.9', 'E11.65', 'I10', 'J45.909', 'Z00.00', 'E78.5', 'C50.919', 'E66.9'];
const STATES = ['MA', 'NY', 'CA', 'TX'];
const PLANS = ['Blue Horizon PPO', 'CareFirst HMO', 'Medicare Advantage Plus'];
const PROVIDERS = ['Dr. Alan Whitfield', 'Dr. Priya Raman', 'Dr. Jane Okafor'];
const ZIPS = ['02139', '02140', '10027', '10001', '94110', '73301'];
const SMOKING = ['never', 'former', 'current'];
const CAMPAIGNS = ['101', '102', '103'];

function daysFromToday(n: number): string {
  const d = new Date(`${TODAY}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

describe('segments over encrypted PHI', () => {
  let t: TestApp;
  let client: ApiClient;
  const facts = new Map<string, ContactFacts>();
  /** Saved segments made in beforeAll: their ids, for membership leaves. */
  const saved: number[] = [];

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    await t.app.get(UsersService).create({ email: 'seg@clinic.test', displayName: 'Seg', role: Role.Marketer, password: 'granite-otter-lantern-42' });
    client = new ApiClient(t.baseUrl);
    await client.signInAndEnroll('seg@clinic.test', 'granite-otter-lantern-42');
    await client.post('/api/v1/topics', { key: 'newsletter', name: 'Newsletter', kind: 'marketing' });
    await client.post('/api/v1/attributes', { key: 'smokingStatus', label: 'Smoking', type: 'enum', options: SMOKING, isPhi: true });
    // Ranges: a number kept in clear (SQL decides), a PHI number (decrypted and checked), a date kept in clear.
    await client.post('/api/v1/attributes', { key: 'loyaltyPoints', label: 'Loyalty points', type: 'number', isPhi: false });
    await client.post('/api/v1/attributes', { key: 'hba1c', label: 'HbA1c', type: 'number', isPhi: true });
    await client.post('/api/v1/attributes', { key: 'enrolledOn', label: 'Enrolled on', type: 'date', isPhi: false });

    const rand = prng(20261123);
    const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
    const raw: Record<string, unknown>[] = [];
    for (let i = 0; i < CONTACTS; i++) {
      // Birthdays cluster around today's date in some years, to exercise age boundaries.
      const year = 1935 + Math.floor(rand() * 75);
      const birth = rand() < 0.3 ? `${year}${TODAY.slice(4)}` : daysFromToday(-Math.floor(rand() * 365 * 80) - 365 * 5);
      raw.push({
        email: `seg${i}@example.org`,
        ...(rand() < 0.9 ? { birthDate: birth.endsWith('-02-29') ? `${year}-02-28` : birth } : {}),
        ...(rand() < 0.9 ? { sex: pick(['female', 'male', 'other']) } : {}),
        ...(rand() < 0.8 ? { state: pick(STATES) } : {}),
        ...(rand() < 0.8 ? { postalCode: pick(ZIPS) } : {}),
        ...(rand() < 0.8 ? { insuranceStatus: pick(['commercial', 'medicare', 'medicaid', 'uninsured']) } : {}),
        ...(rand() < 0.7 ? { insurancePlan: pick(PLANS) } : {}),
        ...(rand() < 0.7 ? { primaryProvider: pick(PROVIDERS) } : {}),
        conditions: Array.from({ length: Math.floor(rand() * 3) }, () => ({ system: 'ICD-10', code: pick(CODES) })),
        ...(rand() < 0.8 ? { lastVisitDate: daysFromToday(-Math.floor(rand() * 800)) } : {}),
        ...(rand() < 0.5 ? { nextVisitDate: daysFromToday(Math.floor(rand() * 200)) } : {}),
        attributes: {
          ...(rand() < 0.7 ? { smokingStatus: pick(SMOKING) } : {}),
          ...(rand() < 0.7 ? { loyaltyPoints: Math.floor(rand() * 1000) } : {}),
          ...(rand() < 0.6 ? { hba1c: Math.round((4 + rand() * 8) * 10) / 10 } : {}),
          ...(rand() < 0.6 ? { enrolledOn: daysFromToday(-Math.floor(rand() * 1000)) } : {}),
        },
      });
    }
    const half = raw.slice(0, CONTACTS / 2);
    const rest = raw.slice(CONTACTS / 2);
    const a = await client.post<{ results: { id: string; status: string }[] }>('/api/v1/contacts/bulk', {
      contacts: half,
      consent: { topic: 'newsletter', status: 'confirmed', method: 'api', source: 'test' },
    });
    const b = await client.post<{ results: { id: string; status: string }[] }>('/api/v1/contacts/bulk', { contacts: rest });
    const results = [...a.body.results, ...b.body.results];
    expect(results.every((r) => r.status === 'created')).toBe(true);
    const suppressed = new Set<number>();
    for (let i = 0; i < CONTACTS; i += 17) {
      await client.post('/api/v1/suppressions', { email: `seg${i}@example.org`, reason: 'manual' });
      suppressed.add(i);
    }
    // Engagement: deliveries, opens and clicks (some by machines) over the last 120 days, for three campaigns or none.
    const events: EngagementEvent[] = [];
    const eventsOf = new Map<string, ContactFacts['events'] & object>();
    for (const { id } of results) {
      const mine: NonNullable<ContactFacts['events']>[number][] = [];
      for (let k = Math.floor(rand() * 4); k > 0; k--) {
        const type = pick(['delivered', 'delivered', 'opened', 'clicked'] as const);
        const occurredAt = new Date(Date.parse(`${TODAY}T12:00:00Z`) - Math.floor(rand() * 120 * 86_400_000));
        const campaignId = rand() < 0.8 ? pick(CAMPAIGNS) : null;
        const machine = type !== 'delivered' && rand() < 0.25;
        events.push({ type, contactId: id, deliveryId: null, campaignId, machine, occurredAt });
        mine.push({ type, campaignId, occurredAt: occurredAt.toISOString(), machine });
      }
      eventsOf.set(id, mine);
    }
    await t.app.get(EngagementService).record(events);
    // The reference: what was stored, normalised exactly as the contacts service normalises it.
    const definitions = await t.app.get(AttributesService).definitions();
    raw.forEach((r, i) => {
      const { value } = validateContact(r, definitions);
      facts.set(results[i].id, {
        phi: value!.phi,
        attributes: value!.attributes,
        consentedTopics: new Set(i < CONTACTS / 2 ? ['newsletter'] : []),
        suppressed: suppressed.has(i),
        events: eventsOf.get(results[i].id),
        segments: new Set(),
      });
    });
    // Saved segments, dynamic and frozen, one built on another; membership facts from the plaintext evaluation of their rules.
    const segmentRand = prng(777);
    let previous: number | undefined;
    for (const kind of ['dynamic', 'snapshot', 'dynamic', 'dynamic'] as const) {
      const own = randomRule(segmentRand, 2, []);
      const rule: SegmentRule = previous === undefined ? own : { op: 'or', rules: [own, { field: 'segment', segmentId: previous }] };
      const res = await client.post<{ id: number }>('/api/v1/segments', { name: `Saved ${saved.length}`, kind, rule });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      for (const f of facts.values()) if (evaluateRule(rule, f, TODAY)) (f.segments as Set<number>).add(res.body.id);
      saved.push(res.body.id);
      previous = kind === 'dynamic' ? res.body.id : undefined;
    }
  }, 120_000);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  function randomRule(rand: () => number, depth: number, segments: number[]): SegmentRule {
    const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
    const some = <T>(list: T[]) => list.filter(() => rand() < 0.4).concat(pick(list));
    if (depth > 0 && rand() < 0.35) {
      const op = pick(['and', 'or', 'not'] as const);
      if (op === 'not') return { op, rule: randomRule(rand, depth - 1, segments) };
      return { op, rules: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomRule(rand, depth - 1, segments)) };
    }
    switch (Math.floor(rand() * 18)) {
      case 13:
        return {
          field: 'engagement',
          event: pick(['received', 'opened', 'clicked'] as const),
          ...(rand() < 0.5 ? { campaignId: pick(CAMPAIGNS) } : {}),
          ...(rand() < 0.6 ? { withinDays: 1 + Math.floor(rand() * 90) } : {}),
          ...(rand() < 0.3 ? { never: true } : {}),
        };
      case 14: {
        const min = Math.floor(rand() * 800);
        return rand() < 0.5
          ? { field: 'attribute', key: 'loyaltyPoints', min, ...(rand() < 0.7 ? { max: min + Math.floor(rand() * 400) } : {}) }
          : { field: 'attribute', key: 'loyaltyPoints', max: min };
      }
      case 15: {
        const min = Math.round((4 + rand() * 6) * 10) / 10;
        return { field: 'attribute', key: 'hba1c', min, max: min + 2 };
      }
      case 16: {
        const back = Math.floor(rand() * 1000);
        const from = daysFromToday(-back);
        return rand() < 0.5
          ? { field: 'attribute', key: 'enrolledOn', from, to: daysFromToday(-back + Math.floor(rand() * 400)) }
          : { field: 'attribute', key: 'enrolledOn', to: from };
      }
      case 17:
        return segments.length ? { field: 'segment', segmentId: pick(segments) } : { field: 'suppressed', value: false };
      case 0:
        return { field: 'condition', codes: some([...CODES, 'E11', 'I10', 'C50']) };
      case 1:
        return { field: 'sex', in: some(['female', 'male', 'other']) };
      case 2:
        return { field: 'state', in: some(STATES) };
      case 3:
        return { field: 'insuranceStatus', in: some(['commercial', 'medicare', 'medicaid']) };
      case 4:
        return { field: 'insurancePlan', in: some(PLANS) };
      case 5:
        return { field: rand() < 0.5 ? 'postalCode' : 'zip3', in: some(ZIPS) };
      case 6: {
        const min = Math.floor(rand() * 70);
        return { field: 'age', min, max: min + Math.floor(rand() * 30) };
      }
      case 7:
        return { field: 'lastVisit', withinDays: 1 + Math.floor(rand() * 400) };
      case 8:
        return rand() < 0.5
          ? { field: 'nextVisit', withinDays: 1 + Math.floor(rand() * 120) }
          : { field: 'lastVisit', before: daysFromToday(-Math.floor(rand() * 700)) };
      case 9:
        return { field: 'attribute', key: 'smokingStatus', in: some(SMOKING) };
      case 10:
        return { field: 'consent', topic: 'newsletter' };
      case 11:
        return { field: 'suppressed', value: rand() < 0.5 };
      default:
        return { field: 'primaryProvider', in: some(PROVIDERS) };
    }
  }

  it('selects exactly the contacts a plaintext evaluation selects, for many random rules', async () => {
    const segments = t.app.get(SegmentsService);
    const rand = prng(4242);
    let nonTrivial = 0;
    for (let n = 0; n < RULES; n++) {
      const rule = randomRule(rand, 3, saved);
      const expected = [...facts]
        .filter(([, f]) => evaluateRule(rule, f, TODAY))
        .map(([id]) => id)
        .sort();
      const { ids } = await segments.members(rule, TODAY);
      expect([...ids].sort(), JSON.stringify(rule)).toEqual(expected);
      expect((await segments.count(rule, TODAY)).count, JSON.stringify(rule)).toBe(expected.length);
      if (expected.length > 0 && expected.length < CONTACTS) nonTrivial++;
    }
    // The generated rules are not all empty or all-inclusive.
    expect(nonTrivial).toBeGreaterThan(RULES / 2);
  });

  it('gives each new leaf (engagement, ranges, saved segments) a non-trivial answer equal to the plaintext one', async () => {
    const segments = t.app.get(SegmentsService);
    const rules: SegmentRule[] = [
      { field: 'engagement', event: 'opened', withinDays: 60 },
      { field: 'engagement', event: 'opened', never: true },
      { field: 'engagement', event: 'clicked', campaignId: '101' },
      { field: 'engagement', event: 'received', campaignId: '102', withinDays: 30 },
      { field: 'attribute', key: 'loyaltyPoints', min: 200, max: 600 },
      { field: 'attribute', key: 'hba1c', min: 6.5, max: 9 },
      { field: 'attribute', key: 'enrolledOn', from: daysFromToday(-400) },
      ...saved.map((segmentId) => ({ field: 'segment' as const, segmentId })),
      {
        op: 'not',
        rule: {
          op: 'and',
          rules: [
            { field: 'segment', segmentId: saved[3] },
            { field: 'attribute', key: 'hba1c', max: 7 },
          ],
        },
      },
    ];
    for (const rule of rules) {
      const expected = [...facts].filter(([, f]) => evaluateRule(rule, f, TODAY)).map(([id]) => id);
      expect(expected.length, JSON.stringify(rule)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(rule)).toBeLessThan(CONTACTS);
      const { ids } = await segments.members(rule, TODAY);
      expect([...ids].sort(), JSON.stringify(rule)).toEqual(expected.sort());
      expect((await segments.count(rule, TODAY)).count).toBe(expected.length);
    }
    // A machine open is not an open.
    const machineOnly = [...facts.values()].filter(
      (f) => f.events?.some((e) => e.type === 'opened' && e.machine) && !f.events.some((e) => e.type === 'opened' && !e.machine),
    );
    expect(machineOnly.length).toBeGreaterThan(0);
    expect(machineOnly.every((f) => evaluateRule({ field: 'engagement', event: 'opened', never: true }, f, TODAY))).toBe(true);
  });

  it('answers a preview with a count and a masked sample', async () => {
    const rule = {
      op: 'and',
      rules: [
        { field: 'condition', codes: ['E11'] },
        { field: 'age', min: 45, max: 70 },
        { op: 'not', rule: { field: 'lastVisit', withinDays: 330 } },
      ],
    };
    const res = await client.post<{ count: number; exactChecks: number; sample: { emailMasked: string }[] }>('/api/v1/segments/preview', { rule });
    expect(res.status).toBe(200);
    const expected = [...facts.values()].filter((f) => evaluateRule(rule as SegmentRule, f, TODAY)).length;
    expect(res.body.count).toBe(expected);
    expect(res.body.sample.length).toBe(Math.min(10, expected));
    expect(JSON.stringify(res.body)).not.toContain('@example.org');
  });

  it('refuses bad rules with a 400 naming where', async () => {
    const bad = await client.post<{ fields: { field: string; message: string }[] }>('/api/v1/segments/preview', {
      rule: {
        op: 'and',
        rules: [
          { field: 'weight', in: ['x'] },
          { op: 'or', rules: [] },
          { field: 'age', min: 'old', max: 3 },
          { field: 'consent', topic: 'nope' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([
      { field: 'rule.rules[0].field', message: 'unknown attribute' },
      { field: 'rule.rules[1].rules', message: 'a group needs at least one rule' },
      { field: 'rule.rules[2]', message: 'age needs whole numbers min ≤ max between 0 and 130' },
    ]);
    const topic = await client.post<{ fields: { field: string }[] }>('/api/v1/segments/preview', { rule: { field: 'consent', topic: 'nope' } });
    expect(topic.body.fields).toEqual([{ field: 'rule.topic', message: 'no such topic' }]);
    expect((await client.post('/api/v1/segments/preview', {})).body).toMatchObject({ fields: [{ field: 'rule', message: 'must be an object' }] });
  });
});
