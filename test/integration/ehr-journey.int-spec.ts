import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { TopicsService } from '../../backend/src/modules/consent/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { createTestCa, issueCert } from '../support/pki.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { startTestApp, type TestApp } from '../support/stack.js';

const SYSTEM = { type: 'system' } as const;
const PASSWORD = 'granite-otter-lantern-42';
const A03 = [
  'MSH|^~\\&|ADT1|GOOD HEALTH HOSPITAL|HIPAA MAIL|GOOD HEALTH HOSPITAL|202611231005|SECURITY|ADT^A03^ADT_A03|MSG-JOURNEY-1|P|2.5.1||',
  'EVN|A03|202611231000||',
  'PID|1||PATID7781^^^GOOD HEALTH HOSPITAL^MR||QUINTERO-BLAKE^MARISOL^A||19620412|F|||77 ELM STREET^^GREENSBORO^NC^27401|GL|^NET^Internet^marisol.quintero-blake@discharge.test',
  'PV1|1|I|2000^2012^01||||004777^ATTEND^AARON^A|||CAR||||ADM|A0||||V00099881|||||||||||||||||01|||||||202611201100|202611231000',
].join('\r');

/** Issue #9's loop: an HL7 v2 A03 discharge from the EHR starts a journey whose first step e-mails the patient over TLS. */
describe('EHR discharge starts a journey', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let admin: ApiClient;
  let apiKey: string;

  beforeAll(async () => {
    const ca = await createTestCa();
    smtp = await startSmtpServer('accept', { tls: await issueCert(ca, ['localhost', '127.0.0.1']) });
    t = await startTestApp({
      entrypoint: 'all',
      env: { SMTP_TRANSPORT_MAP: `discharge.test=127.0.0.1:${String(smtp.port)}`, SMTP_CA_FILE: ca.file, MAIL_FROM: 'Good Health <care@goodhealth.example>' },
    });
    await t.app.get(UsersService).create({ email: 'admin@clinic.test', displayName: 'Admin', role: Role.Admin, password: PASSWORD });
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
    apiKey = (await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'EHR interface', scopes: ['events:write'] })).body.key;
  }, 60_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await smtp?.close();
  });

  it('maps the A03 to a contact and a discharge event, and the journey e-mails the local sink', async () => {
    const topicId = (await t.app.get(TopicsService).create({ key: 'care', name: 'Care follow-up', kind: 'transactional' }, SYSTEM)).id;
    const templates = t.app.get(TemplatesService);
    const created = await templates.create(
      {
        name: 'Discharge follow-up',
        category: 'transactional',
        subject: 'After your hospital stay',
        mjml: '<mjml lang="en"><mj-body><mj-section><mj-column><mj-text>Dear {{contact.firstName}}, here is how to look after yourself at home.</mj-text></mj-column></mj-section></mj-body></mjml>',
      },
      SYSTEM,
    );
    await templates.publish(created.template.id, SYSTEM);
    const journey = await admin.post<{ journey: { id: string }; problems: unknown[] }>('/api/v1/journeys', {
      name: 'Discharge follow-up',
      graph: {
        nodes: [
          { id: 'discharged', type: 'trigger', trigger: { kind: 'event', eventType: 'patient.discharged' }, next: 'followup' },
          { id: 'followup', type: 'send', templateId: created.template.id, topicId, ignoreQuietHours: true, next: 'done' },
          { id: 'done', type: 'exit' },
        ],
        settings: { entry: { rule: 'always' } },
      },
    });
    expect(journey.body.problems).toEqual([]);
    expect((await admin.post(`/api/v1/journeys/${journey.body.journey.id}/publish`)).status).toBe(200);

    const ack = await fetch(`${t.baseUrl}/api/v1/hl7`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'text/plain' }, body: A03 });
    const ackText = await ack.text();
    expect(ackText).toMatch(/MSA\|AA\|MSG-JOURNEY-1/);

    const [message] = await waitFor(() => Promise.resolve(smtp.received.length ? smtp.received : undefined), 30_000, 'the journey message at the sink');
    expect(message.to).toEqual(['marisol.quintero-blake@discharge.test']);
    expect(message.secure).toBe(true);
    const parsed = await simpleParser(message.raw);
    expect(parsed.subject).toBe('After your hospital stay');
    expect(parsed.text).toContain('Dear MARISOL'); // HL7 names arrive upper-case and are kept as sent
  });
});
