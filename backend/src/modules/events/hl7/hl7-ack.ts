import { escape, type Hl7Message } from './hl7-message.js';

export type AckCode = 'AA' | 'AE' | 'AR';

export interface AckError {
  /** HL7 table 0357 code, e.g. 100 segment sequence error, 101 required field missing, 102 data type error, 200 unsupported message type. */
  code: string;
  text: string;
  segment?: string;
  field?: number;
}

const ERROR_NAMES: Record<string, string> = {
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '207': 'Application internal error',
};

let sequence = 0;

/**
 * An original-mode acknowledgment (MSH, MSA and, for AE/AR, an ERR segment per problem) in standard delimiters. The
 * message may be unreadable (then the fields it would echo are empty). Texts name fields and rules, never values.
 */
export function buildAck(code: AckCode, message: Hl7Message | undefined, errors: AckError[] = [], now = new Date()): string {
  const h = message?.header;
  const ts = now.toISOString().replace(/[-:T]/g, '').replace(/\..*$/, '');
  sequence = (sequence + 1) % 1_000_000;
  const controlId = `ACK${ts}${String(sequence).padStart(6, '0')}`;
  const segments = [
    [
      'MSH',
      '^~\\&',
      e(h?.receivingApplication || 'HIPAA-MAIL'),
      e(h?.receivingFacility ?? ''),
      e(h?.sendingApplication ?? ''),
      e(h?.sendingFacility ?? ''),
      ts,
      '',
      `ACK^${e(h?.trigger ?? '')}^ACK`,
      controlId,
      e(h?.processingId || 'P'),
      e(h?.version || '2.5.1'),
    ].join('|'),
    ['MSA', code, e(h?.controlId ?? ''), e(errors[0]?.text ?? '')].join('|'),
  ];
  for (const err of errors) {
    const location = err.segment ? `${err.segment}^1${err.field ? `^${err.field}` : ''}` : '';
    segments.push(
      ['ERR', '', location, `${err.code}^${ERROR_NAMES[err.code] ?? 'Error'}^HL70357`, code === 'AA' ? 'W' : 'E', '', '', '', e(err.text)].join('|'),
    );
  }
  return segments.join('\r') + '\r';
}

function e(text: string): string {
  return escape(text);
}
