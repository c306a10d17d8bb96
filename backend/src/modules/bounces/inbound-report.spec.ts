import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shortDiagnostic } from './diagnostic.js';
import { decisiveRecipient, deliveryStatusReport, feedbackReport, type InboundReport, parseInboundReport } from './inbound-report.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name));
// Everything in the fixtures that identifies the patient: none of it may come out of the parser.
const PHI = ['marisol', 'quintanilla', 'patients.example>', 'tremblay', 'xavier', 'colonoscopy', 'mammogram'];

function expectNoPhi(report: InboundReport) {
  const text = JSON.stringify(report).toLowerCase();
  for (const value of PHI) expect(text).not.toContain(value);
}

describe('parseInboundReport: DSN (RFC 3464)', () => {
  it('reads a permanent failure as a hard bounce with its code and status, and a diagnostic without the recipient', async () => {
    const report = await parseInboundReport(fixture('dsn-hard.eml'));
    expect(report).toEqual({
      type: 'dsn',
      recipients: [{ action: 'failed', status: '5.1.1', smtpCode: 550, kind: 'hard', diagnostic: null }],
    });
    expectNoPhi(report);
  });

  it('reads a delayed delivery as a soft bounce', async () => {
    const report = await parseInboundReport(fixture('dsn-delayed.eml'));
    expect(report).toEqual({
      type: 'dsn',
      recipients: [{ action: 'delayed', status: '4.4.1', smtpCode: 451, kind: 'soft', diagnostic: 'Connection timed out while talking to mailstore' }],
    });
    expectNoPhi(report);
  });

  it('reads every recipient of a multi-recipient report, and the permanent failure decides', async () => {
    const report = await parseInboundReport(fixture('dsn-multiple.eml'));
    expect(report.type).toBe('dsn');
    if (report.type !== 'dsn') return;
    expect(report.recipients.map((r) => [r.action, r.status, r.smtpCode, r.kind])).toEqual([
      ['delivered', '2.0.0', 250, null],
      ['delayed', '4.2.2', 452, 'soft'],
      ['failed', '5.2.1', 550, 'hard'],
    ]);
    expect(report.recipients[1].diagnostic).toBe('The email account that you tried to reach is over quota');
    expect(decisiveRecipient(report.recipients)).toMatchObject({ status: '5.2.1', kind: 'hard', diagnostic: 'Mailbox disabled for (account suspended)' });
    expectNoPhi(report);
  });

  it('treats failed with a 4.x.x status as soft, and a success-only report as no failure', () => {
    const failedTransient = deliveryStatusReport('Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; p@x.example\nAction: failed\nStatus: 4.4.7\n');
    expect(failedTransient).toMatchObject({ type: 'dsn', recipients: [{ kind: 'soft', status: '4.4.7', smtpCode: null }] });
    const delivered = deliveryStatusReport('Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; p@x.example\nAction: delivered\nStatus: 2.0.0\n');
    expect(delivered.type === 'dsn' && decisiveRecipient(delivered.recipients)).toBeUndefined();
  });
});

describe('parseInboundReport: ARF (RFC 5965)', () => {
  it('reads an abuse report as a complaint, and nothing of the reported message', async () => {
    const report = await parseInboundReport(fixture('arf-abuse.eml'));
    expect(report).toEqual({ type: 'arf', feedbackType: 'abuse', complaint: true });
    expectNoPhi(report);
  });

  it('counts fraud and unknown types as complaints, not-spam and auth-failure not', () => {
    expect(feedbackReport('Feedback-Type: fraud\nVersion: 1\n')).toEqual({ type: 'arf', feedbackType: 'fraud', complaint: true });
    expect(feedbackReport('Feedback-Type: Something-New\n')).toEqual({ type: 'arf', feedbackType: 'something-new', complaint: true });
    expect(feedbackReport('Feedback-Type: not-spam\n')).toMatchObject({ complaint: false });
    expect(feedbackReport('Feedback-Type: auth-failure\n')).toMatchObject({ complaint: false });
    expect(feedbackReport('Version: 1\nUser-Agent: x\n')).toEqual({ type: 'unparseable', reason: 'no_feedback_type' });
  });
});

describe('parseInboundReport: anything else', () => {
  it('names why a message is not understood, without quoting it', async () => {
    expect(await parseInboundReport(fixture('not-a-report.eml'))).toEqual({ type: 'unparseable', reason: 'not_a_report' });
    const reportWithoutStatus = [
      'Content-Type: multipart/report; report-type=delivery-status; boundary=x',
      '',
      '--x',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--x--',
      '',
    ].join('\r\n');
    expect(await parseInboundReport(Buffer.from(reportWithoutStatus))).toEqual({ type: 'unparseable', reason: 'no_report_part' });
    const statusWithoutRecipients = reportWithoutStatus
      .replace('text/plain', 'message/delivery-status')
      .replace('Your message could not be delivered.', 'Reporting-MTA: dns; x');
    expect(await parseInboundReport(Buffer.from(statusWithoutRecipients))).toEqual({ type: 'unparseable', reason: 'no_recipient_fields' });
    expect(await parseInboundReport(Buffer.from([0, 159, 146, 150, 255, 10, 13, 10, 0]))).toMatchObject({ type: 'unparseable' });
    expect(await parseInboundReport(Buffer.alloc(0))).toMatchObject({ type: 'unparseable' });
  });
});

describe('shortDiagnostic', () => {
  it('keeps the reason and drops addresses, display names, what follows them, dates and long numbers', () => {
    const cases: [string, string | null][] = [
      ['smtp; 550 5.1.1 <jane.roe@example.org>: Recipient address rejected: User unknown', null],
      ['smtp; 550 5.1.1 "Jane Roe" <jane.roe@example.org>... User unknown', null],
      ['smtp; 550 5.1.1 Jane Roe <jane.roe@example.org>... User unknown', null],
      ['smtp; 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient jane.roe@example.org not found by SMTP address lookup', 'RESOLVER.ADR.RecipientNotFound'],
      [
        "554 delivery error: dd This user doesn't have a example.com account (jane.roe@example.com) [0]",
        "delivery error: dd user doesn't have a example.com account",
      ],
      [
        '550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking',
        'The email account that you tried to reach does not exist. Please try double-checking',
      ],
      ['452 4.2.2 Mailbox of Jane Roe is full since 2026-11-01, account 5551234567', 'Mailbox of is full since [date], account [number]'],
      ['x-unix; mailbox is locked', 'mailbox is locked'],
      ['', null],
    ];
    for (const [input, expected] of cases) expect(shortDiagnostic(input), input).toBe(expected);
    expect(shortDiagnostic('smtp; 550 Mailbox jroe123 does not exist', ['jroe123'])).toBe('Mailbox does not exist');
    expect(shortDiagnostic(`smtp; 421 ${'busy '.repeat(60)}`)?.length).toBeLessThanOrEqual(121);
  });
});
