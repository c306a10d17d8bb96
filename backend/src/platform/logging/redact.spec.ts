import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, NestPinoLogger } from './logger.js';
import { REDACTED, redact, scrubText } from './redact.js';

const contact = {
  id: 'c0ffee00-0000-4000-8000-000000000001',
  email: 'maria.gonzalez@example.org',
  firstName: 'Maria',
  lastName: 'Gonzalez',
  birthDate: '1961-03-14',
  phone: '(555) 867-5309',
  postalCode: '02139',
  conditions: [{ system: 'ICD-10', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }],
  insurance: { status: 'commercial', plan: 'Blue Horizon PPO' },
  primaryProvider: 'Dr. Alan Whitfield',
  lastVisit: '2025-12-02',
  attributes: { smoker: true },
};
const PHI_VALUES = [
  'maria.gonzalez@example.org',
  'Maria',
  'Gonzalez',
  '1961-03-14',
  '867-5309',
  '02139',
  'E11.9',
  'diabetes',
  'Blue Horizon',
  'Whitfield',
  '2025-12-02',
];

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'trace', destination }) };
}

describe('log redaction', () => {
  it('logs a contact-shaped object with no PHI value in the output', () => {
    const { lines, logger } = capture();
    logger.info({ contact, jobId: 'job-42' }, 'imported contact');
    logger.warn(contact, 'raw contact');
    logger.error({ err: new Error(`could not deliver to ${contact.email} born ${contact.birthDate}`) }, 'delivery failed');
    logger.info(`free text with maria.gonzalez@example.org and 555-867-5309 on 3/14/1961`);
    const out = lines.join('');
    expect(lines).toHaveLength(4);
    for (const value of PHI_VALUES) expect(out).not.toContain(value);
    // What is not PHI survives, so logs stay useful.
    expect(out).toContain('job-42');
    expect(out).toContain(contact.id);
    expect(out).toContain('imported contact');
  });

  it('redacts through the Nest adapter as well', () => {
    const { lines, logger } = capture();
    const nest = new NestPinoLogger(logger);
    nest.log({ email: contact.email, count: 3 }, 'ContactsService');
    nest.error(`failed for ${contact.email}`, `Error: at ${contact.email}\n    at x`, 'ContactsService');
    const out = lines.join('');
    expect(out).not.toContain(contact.email);
    expect(out).toContain('"count":3');
    expect(out).toContain('"context":"ContactsService"');
  });

  it('redacts PHI keys at any depth, case and separator insensitive', () => {
    const out = redact({ a: { b: [{ First_Name: 'X', EMAIL: 'y@z.io', nested: { DOB: '2000-01-01' } }] } }) as { a: { b: Record<string, unknown>[] } };
    expect(out.a.b[0]).toEqual({ First_Name: REDACTED, EMAIL: REDACTED, nested: { DOB: REDACTED } });
  });

  it('survives cycles and buffers', () => {
    const node: Record<string, unknown> = { id: 1, payload: Buffer.from('secret') };
    node.self = node;
    expect(redact(node)).toEqual({ id: 1, payload: REDACTED, self: '[Circular]' });
    expect(redact({ data: Buffer.alloc(4) })).toEqual({ data: '[4 bytes]' });
  });

  it('scrubs e-mails, dates and long numbers inside text', () => {
    expect(scrubText('to a.b+c@mail.example.com on 2024-02-29, MRN 004417723')).toBe('to [email] on [date], MRN [number]');
  });
});
