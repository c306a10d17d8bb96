import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../backend/src/embedded/free-port.js';
import { BouncesService, InboundSmtpReceiver, ReturnPaths } from '../../backend/src/modules/bounces/index.js';
import { ConsentService, TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { CryptoService } from '../../backend/src/modules/crypto/index.js';
import { EngagementService } from '../../backend/src/modules/engagement/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { waitFor } from '../support/backend-process.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const FIXTURES = join(import.meta.dirname, '../../backend/src/modules/bounces/fixtures');
const BOUNCE_DOMAIN = 'bounces.clinic.test';
const SYSTEM = { type: 'system' } as const;

const MARISOL = { email: 'marisol.quintanilla@patients.example', firstName: 'Marisol', lastName: 'Quintanilla' };
const OCTAVIA = { email: 'octavia.brightwater@patients.example', firstName: 'Octavia', lastName: 'Brightwater' };
const WALK_IN = 'walkin.pemberton@patients.example';
// Every value the reports carry that identifies a patient, and what their returned messages were about.
const PHI = [
  MARISOL.email,
  MARISOL.firstName,
  MARISOL.lastName,
  OCTAVIA.email,
  OCTAVIA.firstName,
  OCTAVIA.lastName,
  WALK_IN,
  'Pemberton',
  'colonoscopy',
  'mammogram',
];

/** A fixture report, addressed to `returnPath` and about `patient`. */
function report(name: string, returnPath: string, patient = MARISOL): string {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .replaceAll('b-placeholder@bounces.localhost', returnPath)
    .replaceAll(MARISOL.email, patient.email)
    .replaceAll(MARISOL.firstName, patient.firstName)
    .replaceAll(MARISOL.lastName, patient.lastName);
}

describe('asynchronous bounces and complaints over SMTP', () => {
  let t: TestApp;
  let db: pg.Client;
  let receiver: InboundSmtpReceiver;
  let paths: ReturnPaths;
  const logs: string[] = [];
  let marisolId: string;
  let octaviaId: string;
  let topicId: number;
  let versionId: number;

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ entrypoint: 'worker', logs, env: { INBOUND_SMTP_PORT: String(port), BOUNCE_DOMAIN } });
    db = await superuser(t.databaseUrl);
    receiver = t.app.get(InboundSmtpReceiver);
    paths = t.app.get(ReturnPaths);
    topicId = (await t.app.get(TopicsService).create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing', doubleOptIn: false }, SYSTEM)).id;
    const contacts = t.app.get(ContactsService);
    const consent = { topic: 'newsletter', status: 'confirmed', method: 'api', source: 'test' } as const;
    marisolId = (await contacts.create(MARISOL, SYSTEM, consent)).id;
    octaviaId = (await contacts.create(OCTAVIA, SYSTEM, consent)).id;
    const template = await t.app.get(TemplatesService).create(
      {
        name: 'Screening reminder',
        category: 'marketing',
        subject: 'Your screening',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{unsubscribe_url}} {{organization_address}}</mj-text></mj-column></mj-section></mj-body></mjml>',
      },
      SYSTEM,
    );
    versionId = template.version.id;
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- db is unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
    await t?.close();
  });

  /** A delivery row as the delivery worker leaves it once the receiving server accepted the message. */
  async function sentDelivery(contactId: string | null, recipientEnc?: (id: string) => Buffer): Promise<string> {
    const [{ id }] = (await db.query<{ id: string }>(`SELECT nextval('deliveries_id_seq')::text AS id`)).rows;
    await db.query(
      `INSERT INTO deliveries (id, idempotency_key, contact_id, recipient_enc, recipient_domain, template_version_id, topic_id, category, campaign_id, status, sent_at)
       VALUES ($1, $2, $3, $4, 'patients.example', $5, $6, 'marketing', 7, 'sent', now())`,
      [id, `test:${id}`, contactId, recipientEnc?.(id) ?? null, versionId, topicId],
    );
    return id;
  }

  function transport() {
    const port = receiver.address?.port ?? 0;
    // STARTTLS is required by this client and the receiver's generated CA pinned: the session is TLS or nothing.
    return createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { ca: receiver.caPem ?? undefined, servername: 'localhost' } });
  }

  async function deliver(to: string, raw: string) {
    const smtp = transport();
    try {
      return await smtp.sendMail({ envelope: { from: '', to: [to] }, raw });
    } finally {
      smtp.close();
    }
  }

  const delivery = async (id: string) =>
    (await db.query<{ status: string; reason: string | null; detail: string | null }>(`SELECT status, reason, detail FROM deliveries WHERE id = $1`, [id]))
      .rows[0];
  const events = (id: string) => t.app.get(EngagementService).forDelivery(id);
  const suppression = (email: string) => t.app.get(ConsentService).suppressionOf(t.app.get(ContactsService).emailToken(email));

  it('listens on the configured port with STARTTLS, behind VERP addresses of the configured domain', () => {
    expect(receiver.address).toMatchObject({ host: '127.0.0.1', port: expect.any(Number) as number });
    expect(receiver.caPem).toContain('BEGIN CERTIFICATE');
    expect(paths.forDelivery('1')).toMatch(new RegExp(`^b-[a-z2-7]{42}@${BOUNCE_DOMAIN.replaceAll('.', '\\.')}$`));
  });

  it('a hard DSN bounces the delivery, suppresses the address and stores a bounced event, once', async () => {
    const id = await sentDelivery(marisolId);
    const returnPath = paths.forDelivery(id);
    const sent = await deliver(returnPath, report('dsn-hard.eml', returnPath));
    expect(sent.accepted).toEqual([returnPath]);

    expect(await delivery(id)).toEqual({ status: 'bounced', reason: 'hard_bounce', detail: '550 5.1.1 (dsn)' });
    expect(await suppression(MARISOL.email)).toMatchObject({ reason: 'hard_bounce' });
    expect((await events(id)).map((e) => [e.type, e.contactId, e.campaignId, e.detail])).toEqual([
      ['bounced', marisolId, '7', { kind: 'hard', code: 550, status: '5.1.1', source: 'dsn' }],
    ]);

    // The same report again (an MTA retrying after a lost reply) changes nothing; an upper-cased VERP address still maps.
    await deliver(returnPath.toUpperCase(), report('dsn-hard.eml', returnPath));
    expect(await events(id)).toHaveLength(1);
  });

  it('a delayed DSN stores a deferred event and leaves the delivery as it was', async () => {
    const id = await sentDelivery(marisolId);
    const returnPath = paths.forDelivery(id);
    await deliver(returnPath, report('dsn-delayed.eml', returnPath));
    expect((await delivery(id)).status).toBe('sent');
    expect((await events(id)).map((e) => [e.type, e.detail])).toEqual([['deferred', { kind: 'soft', code: 451, status: '4.4.1', source: 'dsn' }]]);
  });

  it('an ARF abuse report stores a complaint, suppresses the address and revokes the topic consent', async () => {
    const id = await sentDelivery(octaviaId);
    const returnPath = paths.forDelivery(id);
    await deliver(returnPath, report('arf-abuse.eml', returnPath, OCTAVIA));

    expect((await events(id)).map((e) => [e.type, e.contactId, e.detail])).toEqual([['complained', octaviaId, { feedbackType: 'abuse', source: 'arf' }]]);
    expect(await suppression(OCTAVIA.email)).toMatchObject({ reason: 'complaint' });
    expect(await t.app.get(ConsentService).current(octaviaId)).toEqual([
      expect.objectContaining({ topicKey: 'newsletter', status: 'revoked', method: 'unsubscribe' }),
    ]);
    expect((await t.app.get(ConsentService).mayReceive(octaviaId, 'newsletter')).allowed).toBe(false);
    expect((await delivery(id)).status).toBe('sent');
  });

  it('refuses forged and foreign recipients with 550, and accepts but only counts a message it does not understand', async () => {
    const id = await sentDelivery(octaviaId);
    const genuine = paths.forDelivery(id);
    const [local] = genuine.split('@');
    const forged = `${local.slice(0, -3)}${local.endsWith('aaa') ? 'bbb' : 'aaa'}@${BOUNCE_DOMAIN}`;
    const before = receiver.stats();
    for (const to of [forged, `postmaster@${BOUNCE_DOMAIN}`, genuine.replace(BOUNCE_DOMAIN, 'elsewhere.test')]) {
      await expect(deliver(to, report('dsn-hard.eml', to)), to).rejects.toMatchObject({ responseCode: 550 });
    }
    expect(receiver.stats().rejectedRecipients - before.rejectedRecipients).toBe(3);

    await deliver(genuine, report('not-a-report.eml', genuine, OCTAVIA));
    expect(receiver.stats().unparseable - before.unparseable).toBe(1);
    expect(await events(id)).toEqual([]);
    expect(logs.join('')).toContain('"reason":"not_a_report"');
  });

  it('refuses a message over 1 MB with 552', async () => {
    const id = await sentDelivery(octaviaId);
    const returnPath = paths.forDelivery(id);
    const huge = `${report('dsn-hard.eml', returnPath)}\n${'x'.repeat(76)}\n`.padEnd(1_100_000, `${'y'.repeat(76)}\n`);
    await expect(deliver(returnPath, huge)).rejects.toMatchObject({ responseCode: 552 });
    expect(await events(id)).toEqual([]);
  });

  it('a bounce during the SMTP conversation of a delivery without a contact suppresses its address; a later soft one is ignored', async () => {
    const crypto = t.app.get(CryptoService);
    const id = await sentDelivery(null, (rowId) => crypto.encrypt('phi', WALK_IN, CryptoService.aad('deliveries', 'recipient_enc', rowId)));
    const bounces = t.app.get(BouncesService);
    const diagnostic = `550 5.1.1 <${WALK_IN}>: Recipient address rejected: User unknown; Subject: Walk-in Pemberton follow-up`;
    expect(await bounces.recordBounce(id, { kind: 'hard', smtpCode: 550, status: '5.1.1', diagnostic, source: 'smtp' })).toBe('bounced');
    expect(await bounces.recordBounce(id, { kind: 'hard', smtpCode: 550, status: '5.1.1', diagnostic, source: 'smtp' })).toBe('duplicate');
    expect(await bounces.recordBounce(id, { kind: 'soft', smtpCode: 421, status: '4.7.0', source: 'smtp' })).toBe('ignored');
    expect(await delivery(id)).toEqual({ status: 'bounced', reason: 'hard_bounce', detail: '550 5.1.1 (smtp)' });
    expect(await suppression(WALK_IN)).toMatchObject({ reason: 'hard_bounce' });
    expect(await bounces.recordComplaint('999999999', { feedbackType: 'abuse', source: 'arf' })).toBe('unknown_delivery');
  });

  it('keeps no PHI from the reports in the database or the logs', async () => {
    await waitFor(() => Promise.resolve(logs.join('').includes('inbound report processed') ? true : undefined), 5_000, 'receiver logs');
    expect(phiFound(await dumpDatabase(t.databaseUrl), PHI)).toEqual([]);
    expect(phiFound(logs.join('\n'), PHI)).toEqual([]);
  });
});
