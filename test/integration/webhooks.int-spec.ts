import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ConsentService, TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { EngagementService } from '../../backend/src/modules/engagement/index.js';
import { verifyWebhook, WebhookDispatcher } from '../../backend/src/modules/webhooks/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { dumpDatabase, phiFound, startTestApp, type TestApp } from '../support/stack.js';

const SYSTEM = { type: 'system' } as const;
const PASSWORD = 'granite-otter-lantern-42';
const EMAIL = 'hortensia.webhookova@patients.example';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('outbound webhooks', () => {
  let t: TestApp;
  let admin: ApiClient;
  let receiver: Server;
  let base: string;
  let contactId: string;
  const received: Received[] = [];
  /** Status codes to answer per path (or path and event type), in order; then 200. */
  const script = new Map<string, number[]>();
  const logs: string[] = [];

  const waitFor = async <T>(probe: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        throw new Error(`timed out: ${JSON.stringify(received.map((r) => [r.path, r.headers['x-hm-event-type'], r.headers['x-hm-attempt']]))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        const codes = script.get(`${req.url} ${String(req.headers['x-hm-event-type'])}`) ?? script.get(req.url ?? '') ?? [];
        res.writeHead(codes.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    t = await startTestApp({ entrypoint: 'all', logs, env: { WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_RETRY_WINDOW_SECONDS: '4' } });
    await t.app.get(UsersService).create({ email: 'admin@clinic.test', displayName: 'Admin', role: Role.Admin, password: PASSWORD });
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
    contactId = (await t.app.get(ContactsService).create({ email: EMAIL, firstName: 'Hortensia' }, SYSTEM)).id;
    // The cursors start at the current end: later events are dispatched.
    await t.app.get(WebhookDispatcher).dispatchOnce();
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    receiver.close();
  });

  it('requires HTTPS except on loopback, and shows the secret once', async () => {
    const plain = await admin.post('/api/v1/webhooks', { name: 'CRM', url: 'http://crm.example.com/hook', eventTypes: ['delivered'] });
    expect(plain.status).toBe(400);
    expect(plain.body).toMatchObject({ fields: [{ field: 'url' }] });
    expect((await admin.post('/api/v1/webhooks', { name: 'CRM', url: 'https://user:pw@crm.example.com/hook', eventTypes: ['delivered'] })).status).toBe(400);
    expect((await admin.post('/api/v1/webhooks', { name: 'CRM', url: 'https://crm.example.com/hook', eventTypes: ['journey.sent'] })).status).toBe(400);
    const created = await admin.post<{ id: number; secret: string; payloadMode: string }>('/api/v1/webhooks', {
      name: 'Local',
      url: `${base}/ok`,
      eventTypes: ['opened'],
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.payloadMode).toBe('identifiers');
    const listed = await admin.get<{ data: Record<string, unknown>[] }>('/api/v1/webhooks');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect((await admin.request('DELETE', `/api/v1/webhooks/${created.body.id}`)).status).toBe(204);
  });

  it('signs deliveries, retries failures with backoff, and logs every attempt', async () => {
    const sub = await admin.post<{ id: number; secret: string }>('/api/v1/webhooks', {
      name: 'CRM',
      url: `${base}/flaky`,
      eventTypes: ['delivered', 'consent.changed'],
    });
    script.set('/flaky delivered', [500, 503]);
    await t.app.get(EngagementService).record([{ type: 'delivered', contactId, deliveryId: null, detail: { smtpCode: 250 } }]);
    await t.app.get(EngagementService).record([{ type: 'opened', contactId, deliveryId: null }]);
    const topic = await t.app.get(TopicsService).create({ key: 'news', name: 'News', kind: 'marketing', doubleOptIn: false }, SYSTEM);
    await t.app.get(ConsentService).recordOne({ contactId, topicId: topic.id, status: 'confirmed', method: 'admin', source: 'test', actor: SYSTEM });

    const hits = await waitFor(() => {
      const h = received.filter((r) => r.path === '/flaky');
      return h.filter((r) => r.headers['x-hm-event-type'] === 'delivered').length >= 3 && h.some((r) => r.headers['x-hm-event-type'] === 'consent.changed')
        ? h
        : undefined;
    });
    const delivered = hits.filter((r) => r.headers['x-hm-event-type'] === 'delivered');
    expect(delivered.map((r) => r.headers['x-hm-attempt'])).toEqual(['1', '2', '3']);
    for (const r of delivered) expect(verifyWebhook(sub.body.secret, r.headers['x-hm-signature'] as string, r.body)).toBe('ok');
    expect(verifyWebhook('whsec_wrong', delivered[0].headers['x-hm-signature'] as string, delivered[0].body)).toBe('mismatch');
    // A captured request replayed later is refused by the receiver's window.
    expect(verifyWebhook(sub.body.secret, delivered[0].headers['x-hm-signature'] as string, delivered[0].body, Math.floor(Date.now() / 1000) + 600)).toBe(
      'expired',
    );
    const payload = JSON.parse(delivered[2].body) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'delivered', data: { contactId, detail: { smtpCode: 250 } } });
    expect(payload.data.contact).toBeUndefined();
    expect(hits.some((r) => r.headers['x-hm-event-type'] === 'opened')).toBe(false);
    const consent = JSON.parse(hits.find((r) => r.headers['x-hm-event-type'] === 'consent.changed')?.body ?? '{}') as { data: Record<string, unknown> };
    expect(consent.data).toMatchObject({ contactId, topicId: topic.id, status: 'confirmed' });

    const row = await waitFor(async () => {
      const log = await admin.get<{ data: { id: string; status: string; attempts: number; eventType: string }[] }>(
        `/api/v1/webhook-deliveries?filter=${encodeURIComponent(JSON.stringify({ subscriptionId: sub.body.id }))}`,
      );
      return log.body.data.find((d) => d.eventType === 'delivered' && d.status === 'succeeded');
    });
    expect(row).toMatchObject({ status: 'succeeded', attempts: 3 });
    const detail = await admin.get<{ attemptLog: { statusCode: number }[] }>(`/api/v1/webhook-deliveries/${row.id}`);
    expect(detail.body.attemptLog.map((a) => a.statusCode)).toEqual([500, 503, 200]);
  });

  it('dead-letters a delivery after the retry window and replays it by hand; a rotated secret signs what follows', async () => {
    const sub = await admin.post<{ id: number; secret: string }>('/api/v1/webhooks', {
      name: 'Down',
      url: `${base}/down`,
      eventTypes: ['clicked'],
      payloadMode: 'full',
    });
    script.set(
      '/down',
      Array.from({ length: 10 }, () => 503),
    );
    await t.app.get(EngagementService).record([{ type: 'clicked', contactId, deliveryId: null, detail: { link: 0 } }]);
    const dead = await waitFor(async () => {
      const list = await admin.get<{ data: { id: string; status: string; attempts: number }[] }>(
        `/api/v1/webhook-deliveries?filter=${encodeURIComponent(JSON.stringify({ subscriptionId: sub.body.id, status: 'dead' }))}`,
      );
      return list.body.data[0];
    }, 20_000);
    expect(dead.attempts).toBe(3);

    script.set('/down', []);
    const rotated = await admin.post<{ secret: string }>(`/api/v1/webhooks/${sub.body.id}/rotate-secret`);
    expect(rotated.body.secret).not.toBe(sub.body.secret);
    const replay = await admin.post<{ status: string }>(`/api/v1/webhook-deliveries/${dead.id}/replay`);
    expect(replay.status).toBe(200);
    const ok = await waitFor(async () => {
      const d = await admin.get<{ status: string; attempts: number }>(`/api/v1/webhook-deliveries/${dead.id}`);
      return d.body.status === 'succeeded' ? d.body : undefined;
    });
    expect(ok.attempts).toBe(4);
    const last = received.filter((r) => r.path === '/down').at(-1) as Received;
    expect(verifyWebhook(rotated.body.secret, last.headers['x-hm-signature'] as string, last.body)).toBe('ok');
    expect(verifyWebhook(sub.body.secret, last.headers['x-hm-signature'] as string, last.body)).toBe('mismatch');
    // Full payloads carry the contact's e-mail to the receiver, and never rest in plain text.
    expect((JSON.parse(last.body) as { data: { contact: { email: string } } }).data.contact.email).toBe(EMAIL);
    expect(phiFound(await dumpDatabase(t.databaseUrl), [EMAIL, 'Hortensia', rotated.body.secret, sub.body.secret])).toEqual([]);
    expect(phiFound(logs.join('\n'), [EMAIL, 'Hortensia', rotated.body.secret])).toEqual([]);
  });
});
