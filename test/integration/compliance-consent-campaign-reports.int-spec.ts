import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSink } from '../../backend/src/dev/mail-sink/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { SendingDomainsService } from '../../backend/src/modules/delivery/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import type { ReportDocument } from '../../backend/src/platform/reports/report-document.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { launchCampaign, publishTemplate, SYSTEM } from '../support/campaigns.js';
import { ATTESTATION, configureAndRun, uploadRaw } from '../support/imports.js';
import { phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const REPORTS = '/api/v1/compliance/reports';
const ANA = { email: 'ana.castillo@sink.test', firstName: 'Ana', lastName: 'Castillo', state: 'MA' };
const DAN = { email: 'dan.moreau@sink.test', firstName: 'Dan', lastName: 'Moreau', state: 'MA' };
const EVE = { email: 'eve.lindgren@sink.test', firstName: 'Eve', lastName: 'Lindgren', state: 'MA', postalCode: '02999' };
const CSV = 'E-mail Address,First Name,Last Name,State\r\nben.okafor@sink.test,Ben,Okafor,MA\r\ncara.lindqvist@sink.test,Cara,Lindqvist,MA\r\n';
const FORM_EVIDENCE = { ip: '198.51.100.23', userAgent: 'Mozilla/5.0 (iPhone; Ana signup form)' };
const PHI = [
  ...[ANA, DAN, EVE].flatMap((p) => [p.email, p.lastName]),
  'ben.okafor@sink.test',
  'Okafor',
  'cara.lindqvist@sink.test',
  'Lindqvist',
  FORM_EVIDENCE.ip,
  FORM_EVIDENCE.userAgent,
];

const summaryOf = (doc: ReportDocument) => Object.fromEntries(doc.summary.map((s) => [s.label, s.value]));
const rowsOf = (doc: ReportDocument, title: string) => doc.sections.find((s) => s.title === title)?.rows;

/**
 * A web-form consent with evidence, an import with its attestation, a signed HIPAA authorization and a campaign
 * sent to a local sink, all through the API; then the consent-evidence and campaign-targeting reports.
 */
describe('compliance: consent-evidence and campaign-targeting reports', () => {
  let t: TestApp;
  let db: pg.Client;
  let sink: MailSink;
  let sinkDir: string;
  let officer: ApiClient;
  let marketer: ApiClient;
  const ids: Record<string, string> = {};
  let importId: string;
  let campaignId: string;
  const segments: Record<string, number> = {};
  let snapshotId: string;

  beforeAll(async () => {
    sinkDir = await mkdtemp(join(tmpdir(), 'hm-compliance-sink-'));
    sink = await MailSink.start({ dataDir: sinkDir, httpPort: null });
    t = await startTestApp({
      entrypoint: 'all',
      env: {
        SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.smtpPort)}`,
        SMTP_CA_FILE: join(sink.dataDir, 'tls', 'ca.crt'),
        MAIL_FROM: 'Example Health <news@health.example>',
        CAMPAIGN_SWEEP_SECONDS: '1',
      },
    });
    db = await superuser(t.databaseUrl);
    const users = t.app.get(UsersService);
    await users.create({ email: 'officer@clinic.test', displayName: 'Officer', role: Role.ComplianceOfficer, password: PASSWORD });
    await users.create({ email: 'marketer@clinic.test', displayName: 'Marketer', role: Role.Marketer, password: PASSWORD });
    officer = new ApiClient(t.baseUrl);
    marketer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('officer@clinic.test', PASSWORD);
    await marketer.signInAndEnroll('marketer@clinic.test', PASSWORD);

    expect((await marketer.post('/api/v1/topics', { key: 'newsletter', name: 'Newsletter', kind: 'marketing' })).status).toBe(201);
    const text = await marketer.post<{ id: number }>('/api/v1/authorization-texts', {
      version: '2026-01',
      title: 'Marketing authorization',
      purpose: 'Newsletters about clinic services',
      body: 'I authorize the clinic to use my contact details to send me its newsletter.',
    });
    expect(text.status).toBe(201);

    // Ana signs up on a web form (evidence: her IP address and browser) and signs a HIPAA marketing authorization.
    ids.ana = (await marketer.post<{ id: string }>('/api/v1/contacts', ANA)).body.id;
    const consent = await marketer.post(`/api/v1/contacts/${ids.ana}/consents`, {
      topic: 'newsletter',
      status: 'confirmed',
      method: 'web_form',
      source: 'signup-form',
      evidence: FORM_EVIDENCE,
    });
    expect(consent.status).toBe(201);
    const signed = await marketer.post(`/api/v1/contacts/${ids.ana}/authorizations`, {
      textId: text.body.id,
      signedAt: '2026-01-15T10:00:00.000Z',
      expiresAt: '2036-01-15T10:00:00.000Z',
      evidence: FORM_EVIDENCE,
    });
    expect(signed.status).toBe(201);
    // Ben and Cara come from an import whose uploader attested to their consent.
    const upload = await uploadRaw(t.baseUrl, marketer, CSV, 'spring-list.csv');
    importId = upload.body.id;
    expect((await configureAndRun(marketer, importId)).status).toBe('completed');
    const lookup = async (email: string) => (await marketer.post<{ id: string }>('/api/v1/contacts/lookup', { email })).body.id;
    ids.ben = await lookup('ben.okafor@sink.test');
    ids.cara = await lookup('cara.lindqvist@sink.test');
    // Dan never consented; Eve is on the do-not-contact list.
    ids.dan = (await marketer.post<{ id: string }>('/api/v1/contacts', DAN)).body.id;
    ids.eve = (await marketer.post<{ id: string }>('/api/v1/contacts', EVE)).body.id;

    segments.ma = (await marketer.post<{ id: number }>('/api/v1/segments', { name: 'Massachusetts', rule: { field: 'state', in: ['MA'] } })).body.id;
    segments.dnc = (
      await marketer.post<{ id: number }>('/api/v1/segments', { name: 'Do not contact', kind: 'snapshot', rule: { field: 'postalCode', in: ['02999'] } })
    ).body.id;
    snapshotId = (await db.query<{ id: string }>(`SELECT id::text AS id FROM segment_snapshots WHERE segment_id = $1`, [segments.dnc])).rows[0].id;

    await t.app.get(SendingDomainsService).create({ domain: 'health.example' }, SYSTEM);
    const versionId = await publishTemplate(t.app, 'Spring newsletter', 'Spring news from your clinic');
    campaignId = await launchCampaign(marketer, officer, {
      name: 'Spring newsletter',
      topic: 'newsletter',
      includeSegmentIds: [segments.ma],
      excludeSegmentIds: [segments.dnc],
      templateVersionId: versionId,
      sender: { fromName: 'Example Health News', fromLocalPart: 'news', sendingDomain: 'health.example' },
    });
    await waitFor(
      async () => ((await marketer.get<{ status: string }>(`/api/v1/campaigns/${campaignId}`)).body.status === 'sent' ? true : undefined),
      60_000,
      'campaign to be sent',
    );
  }, 120_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await sink?.stop();
    await rm(sinkDir, { recursive: true, force: true });
  });

  it('shows who a campaign targeted and why: segments with their rules and snapshot, exclusions by reason, recipients by id', async () => {
    const res = await officer.get<ReportDocument>(`${REPORTS}/campaign-targeting?campaignId=${campaignId}`);
    expect(res.status).toBe(200);
    const doc = res.body;
    const frozen = (await db.query<{ snapshot_at: Date; approved_at: Date }>(`SELECT snapshot_at, approved_at FROM campaigns WHERE id = $1`, [campaignId]))
      .rows[0];
    expect(doc).toMatchObject({ id: 'campaign-targeting', title: 'Campaign targeting report', parameters: { campaignId } });
    expect(summaryOf(doc)).toEqual({
      Campaign: 'Spring newsletter',
      Status: 'sent',
      Topic: 'newsletter',
      Template: 'Spring newsletter v1',
      'Created by': 'marketer@clinic.test',
      'Approved by': 'officer@clinic.test',
      'Approved at': frozen.approved_at.toISOString(),
      'Included segments': String(segments.ma),
      'Excluded segments': String(segments.dnc),
      'Audience frozen at': frozen.snapshot_at.toISOString(),
      Audience: 4,
      'Skipped at fan-out': 0,
    });
    const segmentRows = rowsOf(doc, 'Segments and their rules') ?? [];
    expect(segmentRows.map((s) => ({ ...s, rule: JSON.parse(s.rule as string) as unknown, snapshotAt: typeof s.snapshotAt }))).toEqual([
      {
        role: 'include',
        segmentId: segments.ma,
        name: 'Massachusetts',
        kind: 'dynamic',
        rule: { field: 'state', in: ['MA'] },
        snapshotId: null,
        snapshotAt: 'object',
        snapshotMembers: null,
        ruleChangedAfterFreeze: false,
        deleted: false,
      },
      {
        role: 'exclude',
        segmentId: segments.dnc,
        name: 'Do not contact',
        kind: 'snapshot',
        rule: { field: 'postalCode', in: ['02999'] },
        snapshotId,
        snapshotAt: 'string',
        snapshotMembers: 1,
        ruleChangedAfterFreeze: false,
        deleted: false,
      },
    ]);
    expect(rowsOf(doc, 'Exclusions by reason')).toEqual([{ stage: 'delivery', reason: 'dropped_consent: no_consent', contacts: 1 }]);
    expect(rowsOf(doc, 'Recipients (contact ids)')?.map((r) => [r.contactId, r.skipped, r.deliveryStatus])).toEqual([
      [ids.ana, null, 'sent'],
      [ids.ben, null, 'sent'],
      [ids.cara, null, 'sent'],
      [ids.dan, null, 'dropped_consent'],
    ]);

    const csv = await officer.get<string>(`${REPORTS}/campaign-targeting?campaignId=${campaignId}&format=csv`);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="campaign-targeting_\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.body.split('\r\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Segments and their rules',
        'Exclusions by reason',
        'Recipients (contact ids)',
        'Position,Contact id,Variant,Skipped,Delivery status,Delivery reason',
      ]),
    );
    expect(lines).toContain(`include,${String(segments.ma)},Massachusetts,dynamic,"{""field"":""state"",""in"":[""MA""]}",,,,no,no`);
    const pdf = await officer.get<string>(`${REPORTS}/campaign-targeting?campaignId=${campaignId}&format=pdf`);
    expect(pdf.body.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf.body).toContain('dropped_consent: no_consent');
    expect(phiFound(JSON.stringify(doc) + csv.body + pdf.body, PHI)).toEqual([]);
    const audited = await db.query<{ details: { format: string; parameters: string[] } }>(
      `SELECT details FROM audit_log WHERE action = 'report.downloaded' AND subject_id = 'campaign-targeting' ORDER BY id`,
    );
    expect(audited.rows.map((r) => r.details)).toEqual(
      ['json', 'csv', 'pdf'].map((format) => ({ report: 'campaign-targeting', format, parameters: [`campaignId=${campaignId}`] })),
    );
    expect((await officer.get<{ code: string }>(`${REPORTS}/campaign-targeting?campaignId=999999`)).body.code).toBe('campaign_not_found');
  });

  it("proves one contact's consent: the ledger with its evidence withheld, and her HIPAA authorization", async () => {
    const doc = (await officer.get<ReportDocument>(`${REPORTS}/consent-evidence?contactId=${ids.ana}`)).body;
    expect(doc.parameters).toEqual({ contactId: ids.ana, campaignId: null, includePhi: 'false' });
    expect(summaryOf(doc)).toEqual({
      Contacts: 1,
      'Erased contacts': 0,
      'Consent events': 1,
      'Consent events with evidence': 1,
      'Marketing authorizations': 1,
      'Active marketing authorizations': 1,
      'Contacts whose name and e-mail are printed': 0,
    });
    expect(doc.sections.find((s) => s.title === 'Contacts')?.columns.map((c) => c.key)).toEqual(['contactId', 'status']);
    expect(rowsOf(doc, 'Contacts')).toEqual([{ contactId: ids.ana, status: 'active' }]);
    expect(rowsOf(doc, 'Consent ledger')).toEqual([
      {
        contactId: ids.ana,
        topic: 'newsletter',
        status: 'confirmed',
        method: 'web_form',
        source: 'signup-form',
        occurredAt: expect.any(String) as string,
        actor: 'user: marketer@clinic.test',
        importId: null,
        uploader: null,
        basis: null,
        attestation: null,
        attestedAt: null,
        ip: 'withheld (includePhi)',
        userAgent: 'withheld (includePhi)',
        note: null,
      },
    ]);
    expect(rowsOf(doc, 'HIPAA marketing authorizations')).toEqual([
      {
        contactId: ids.ana,
        version: '2026-01',
        purpose: 'Newsletters about clinic services',
        signedAt: '2026-01-15T10:00:00.000Z',
        expiresAt: '2036-01-15T10:00:00.000Z',
        expiryEvent: null,
        revokedAt: null,
        revocationMethod: null,
        status: 'active',
      },
    ]);
    const csv = (await officer.get<string>(`${REPORTS}/consent-evidence?contactId=${ids.ana}&format=csv`)).body;
    const pdf = (await officer.get<string>(`${REPORTS}/consent-evidence?contactId=${ids.ana}&format=pdf`)).body;
    expect(csv.split('\r\n')).toEqual(expect.arrayContaining(['Consent ledger', 'HIPAA marketing authorizations']));
    expect(pdf.startsWith('%PDF-1.4')).toBe(true);
    expect(phiFound(JSON.stringify(doc) + csv + pdf, PHI)).toEqual([]);
    expect((await db.query(`SELECT 1 FROM audit_log WHERE action IN ('phi.revealed', 'phi.exported')`)).rowCount).toBe(0);
    expect((await officer.get<{ code: string }>(`${REPORTS}/consent-evidence?contactId=999999`)).body.code).toBe('contact_not_found');
  });

  it("covers a campaign's audience, with the import's attestation and uploader behind imported consent", async () => {
    const doc = (await officer.get<ReportDocument>(`${REPORTS}/consent-evidence?campaignId=${campaignId}`)).body;
    expect(summaryOf(doc)).toMatchObject({ Contacts: 4, 'Consent events': 3, 'Consent events with evidence': 1, 'Marketing authorizations': 1 });
    expect(rowsOf(doc, 'Contacts')?.map((c) => c.contactId)).toEqual([ids.ana, ids.ben, ids.cara, ids.dan]);
    const ledger = rowsOf(doc, 'Consent ledger') ?? [];
    expect(ledger.map((e) => [e.contactId, e.method])).toEqual([
      [ids.ana, 'web_form'],
      [ids.ben, 'import_attestation'],
      [ids.cara, 'import_attestation'],
    ]);
    expect(ledger[1]).toMatchObject({
      source: `import:${importId}`,
      importId,
      uploader: 'marketer@clinic.test',
      basis: 'prior_express_consent',
      attestation: ATTESTATION,
      ip: null,
    });
    expect(typeof ledger[1].attestedAt).toBe('string');
    expect(phiFound(JSON.stringify(doc), PHI)).toEqual([]);
  });

  it('prints names, e-mail addresses and evidence only on request, auditing each contact as a reveal and the download as an export', async () => {
    const res = await officer.get<ReportDocument>(`${REPORTS}/consent-evidence?contactId=${ids.ana}&includePhi=true`);
    expect(res.status).toBe(200);
    expect(rowsOf(res.body, 'Contacts')).toEqual([{ contactId: ids.ana, status: 'active', email: ANA.email, name: 'Ana Castillo' }]);
    expect(rowsOf(res.body, 'Consent ledger')?.[0]).toMatchObject(FORM_EVIDENCE);
    expect(summaryOf(res.body)['Contacts whose name and e-mail are printed']).toBe(1);
    const audit = await db.query<{ action: string; subject_type: string; subject_id: string; details: Record<string, unknown> }>(
      `SELECT action, subject_type, subject_id, details FROM audit_log WHERE action IN ('phi.revealed', 'report.downloaded') ORDER BY id DESC LIMIT 2`,
    );
    expect(audit.rows.reverse()).toEqual([
      {
        action: 'phi.revealed',
        subject_type: 'contact',
        subject_id: ids.ana,
        details: { purpose: 'compliance_report', report: 'consent-evidence', format: 'json' },
      },
      {
        action: 'report.downloaded',
        subject_type: 'report',
        subject_id: 'consent-evidence',
        details: { report: 'consent-evidence', format: 'json', parameters: [`contactId=${ids.ana}`, 'includePhi=true'], containsPhi: true, contacts: 1 },
      },
    ]);
    // That download is a PHI access: it is in the PHI-access report, and a breach scoped to the officer lists Ana.
    const officerId = (await db.query<{ id: string }>(`SELECT id FROM users WHERE email = 'officer@clinic.test'`)).rows[0].id;
    const access = (await officer.get<ReportDocument>(`${REPORTS}/phi-access?userId=${officerId}`)).body;
    expect(rowsOf(access, 'PHI accesses and exports')?.map((r) => [r.action, r.recordType, r.recordId])).toEqual([
      ['phi.revealed', 'contact', ids.ana],
      ['report.downloaded', 'report', 'consent-evidence'],
    ]);
    const breach = (await officer.get<ReportDocument>(`${REPORTS}/breach-response?userId=${officerId}`)).body;
    expect(rowsOf(breach, 'Affected individuals (contact ids)')).toEqual([{ contactId: ids.ana }]);
    expect(summaryOf(breach)).toMatchObject({ Accesses: 2, Exports: 1, 'Distinct contacts touched': 1 });

    const bad = await officer.get<{ fields: { field: string }[] }>(`${REPORTS}/consent-evidence?contactId=${ids.ana}&campaignId=${campaignId}`);
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f) => f.field)).toEqual(['contactId', 'campaignId']);
    expect((await officer.get<{ fields: { field: string }[] }>(`${REPORTS}/consent-evidence?contactId=${ids.ana}&includePhi=yes`)).body.fields[0].field).toBe(
      'includePhi',
    );
    expect((await marketer.get(`${REPORTS}/consent-evidence?contactId=${ids.ana}&includePhi=true`)).status).toBe(403);
  });
});
