/**
 * HL7 v2 (ER7, pipe-delimited) messages: parsing with the message's own delimiters (MSH-1 and MSH-2), repetitions,
 * components, subcomponents and escape sequences, and building replies. A small parser of our own: the maintained
 * npm parsers could not be installed in this repository (see docs), and only reading and ACK building are needed.
 *
 * Values are read with one-based HL7 positions: `field(seg, 3)` is PID-3, `component(…, 1)` its first component.
 * Escapes are decoded only after splitting, so an escaped delimiter is text, never a separator.
 */

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** v2.7 truncation character, when MSH-2 has five characters. */
  truncation?: string;
}

export const STANDARD_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** A field: its repetitions, each a list of components, each a list of subcomponents (all decoded text). */
export type Hl7Field = string[][][];

export interface Hl7Segment {
  name: string;
  /** fields[n] is field n (one-based; fields[0] is unused). MSH-1 and MSH-2 hold the delimiters themselves. */
  fields: Hl7Field[];
}

/** Why a message cannot be read at all: an HL7 error code (table 0357) and a text that never quotes content. */
export class Hl7ParseError extends Error {
  constructor(
    readonly code: '100' | '101' | '102' | '200' | '201' | '202' | '203' | '207',
    message: string,
    readonly location?: { segment: string; field?: number },
  ) {
    super(message);
    this.name = 'Hl7ParseError';
  }
}

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

export class Hl7Message {
  private constructor(
    readonly segments: Hl7Segment[],
    readonly delimiters: Delimiters,
  ) {}

  /** Parses a message; segments may end in CR (the standard), LF or CRLF. */
  static parse(text: string): Hl7Message {
    const body = trimFraming(text);
    if (!body.startsWith('MSH')) throw new Hl7ParseError('100', 'the message does not start with an MSH segment', { segment: 'MSH' });
    const delimiters = readDelimiters(body);
    const lines = body.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
    const segments = lines.map((line, i) => parseSegment(line, delimiters, i));
    return new Hl7Message(segments, delimiters);
  }

  get(name: string): Hl7Segment | undefined {
    return this.segments.find((s) => s.name === name);
  }

  all(name: string): Hl7Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  /** MSH-9 as TYPE^TRIGGER (e.g. ADT^A01), MSH-10, MSH-11, MSH-12 and the sender (MSH-3, MSH-4). */
  get header() {
    const msh = this.segments[0];
    return {
      type: value(msh, 9, 1),
      trigger: value(msh, 9, 2),
      structure: value(msh, 9, 3),
      controlId: value(msh, 10),
      processingId: value(msh, 11),
      version: value(msh, 12),
      sendingApplication: value(msh, 3),
      sendingFacility: value(msh, 4),
      receivingApplication: value(msh, 5),
      receivingFacility: value(msh, 6),
      charset: value(msh, 18),
    };
  }
}

/** One value: field `n`, repetition `rep` (0-based), component and subcomponent (1-based). '' when absent. */
export function value(segment: Hl7Segment | undefined, n: number, component = 1, sub = 1, rep = 0): string {
  return segment?.fields[n]?.[rep]?.[component - 1]?.[sub - 1] ?? '';
}

/** Every repetition of a field (each a list of components, subcomponents joined by the first one). */
export function repetitions(segment: Hl7Segment | undefined, n: number): string[][] {
  return (segment?.fields[n] ?? []).map((rep) => rep.map((comp) => comp[0] ?? ''));
}

function readDelimiters(body: string): Delimiters {
  const field = body[3];
  if (!field || /[A-Za-z0-9\s]/.test(field))
    throw new Hl7ParseError('102', 'MSH-1 (field separator) is missing or not a delimiter character', { segment: 'MSH', field: 1 });
  const end = body.indexOf(field, 4);
  const encoding = end < 0 ? body.slice(4).split(/[\r\n]/)[0] : body.slice(4, end);
  if (encoding.length < 4 || encoding.length > 5)
    throw new Hl7ParseError('102', 'MSH-2 (encoding characters) must have 4 or 5 characters: component, repetition, escape, subcomponent', {
      segment: 'MSH',
      field: 2,
    });
  const chars = [field].concat(encoding.split(''));
  if (new Set(chars).size !== chars.length) throw new Hl7ParseError('102', 'MSH-2 (encoding characters) repeats a delimiter', { segment: 'MSH', field: 2 });
  if (chars.some((c) => /[A-Za-z0-9\s]/.test(c)))
    throw new Hl7ParseError('102', 'MSH-2 (encoding characters) contains a letter, digit or space', { segment: 'MSH', field: 2 });
  return {
    field,
    component: encoding[0],
    repetition: encoding[1],
    escape: encoding[2],
    subcomponent: encoding[3],
    ...(encoding.length === 5 ? { truncation: encoding[4] } : {}),
  };
}

function parseSegment(line: string, d: Delimiters, index: number): Hl7Segment {
  const name = line.slice(0, 3);
  if (!SEGMENT_NAME.test(name) || (line.length > 3 && line[3] !== d.field))
    throw new Hl7ParseError('100', `segment ${index + 1} does not start with a three-character segment name`, {
      segment: SEGMENT_NAME.test(name) ? name : '???',
    });
  if (name === 'MSH' && index !== 0) throw new Hl7ParseError('100', 'MSH appears after the first segment', { segment: 'MSH' });
  const raw = line.split(d.field);
  const fields: Hl7Field[] = [[]];
  if (name === 'MSH') {
    // MSH-1 is the field separator itself and MSH-2 the encoding characters: literal, never split or unescaped.
    fields.push([[[d.field]]], [[[raw[1] ?? '']]]);
    for (const f of raw.slice(2)) fields.push(splitField(f, d));
  } else {
    for (const f of raw.slice(1)) fields.push(splitField(f, d));
  }
  return { name, fields };
}

function splitField(raw: string, d: Delimiters): Hl7Field {
  if (raw === '') return [];
  return raw.split(d.repetition).map((rep) => rep.split(d.component).map((comp) => comp.split(d.subcomponent).map((s) => unescape(s, d))));
}

/**
 * Decodes \F\ \S\ \T\ \R\ \E\ (the delimiters), \Xhh…\ (bytes, as Latin-1 or UTF-8), \.br\ (line break), and drops
 * highlighting (\H\ \N\) and other formatting commands. An escape character with no closing one is kept as text.
 */
export function unescape(text: string, d: Delimiters): string {
  if (!text.includes(d.escape)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== d.escape) {
      out += ch;
      i++;
      continue;
    }
    const close = text.indexOf(d.escape, i + 1);
    if (close < 0) {
      out += text.slice(i);
      break;
    }
    const seq = text.slice(i + 1, close);
    i = close + 1;
    switch (seq) {
      case 'F':
        out += d.field;
        break;
      case 'S':
        out += d.component;
        break;
      case 'T':
        out += d.subcomponent;
        break;
      case 'R':
        out += d.repetition;
        break;
      case 'E':
        out += d.escape;
        break;
      case 'P':
        out += d.truncation ?? '#';
        break;
      case 'H':
      case 'N':
        break;
      case '.br':
        out += '\n';
        break;
      default:
        if (/^X([0-9A-Fa-f]{2})+$/.test(seq)) {
          const bytes = Buffer.from(seq.slice(1), 'hex');
          const utf8 = bytes.toString('utf8');
          out += utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8;
        } else if (/^\.(sp|in|ti|sk|ce|fi|nf)/.test(seq) || /^[CMZ]/.test(seq)) {
          // Formatting commands and character-set switches: no text of their own.
        } else {
          out += `${d.escape}${seq}${d.escape}`;
        }
    }
  }
  return out;
}

/** Escapes text for a field of an outgoing message (standard delimiters). */
export function escape(text: string, d: Delimiters = STANDARD_DELIMITERS): string {
  let out = '';
  for (const ch of text) {
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (ch === '\r' || ch === '\n') out += `${d.escape}.br${d.escape}`;
    else out += ch;
  }
  return out;
}

/**
 * Decodes a message's bytes: UTF-8 unless MSH-18 names a single-byte set (8859/1 and ASCII read as Latin-1).
 * MSH is plain ASCII, so it can be read before the character set is known.
 */
export function decodeHl7(bytes: Buffer): string {
  const head = bytes.subarray(0, Math.min(bytes.length, 1024)).toString('latin1');
  const msh = head.split(/\r|\n/)[0] ?? '';
  const sep = msh[3];
  const charset = sep
    ? (msh.split(sep)[17] ?? '')
        .split(msh.charAt(4) || '^')[0]
        .trim()
        .toUpperCase()
    : '';
  return charset.startsWith('8859') || charset === 'ASCII' ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** HL7 date/time (YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]) as a Date, or undefined. Without an offset, UTC is assumed. */
export function hl7DateTime(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [
    m[1],
    ...[m[2], m[3]].map((v) => (v as string | undefined) ?? '01'),
    ...[m[4], m[5], m[6]].map((v) => (v as string | undefined) ?? '00'),
  ].map(Number);
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  if (m[7]) {
    const sign = m[7][0] === '-' ? -1 : 1;
    ms -= sign * (Number(m[7].slice(1, 3)) * 60 + Number(m[7].slice(3, 5))) * 60_000;
  }
  return new Date(ms);
}

/** HL7 date (YYYYMMDD…) as YYYY-MM-DD, taken literally (a birth date has no time zone), or undefined. */
export function hl7Date(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(text.trim());
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (date.getUTCMonth() !== Number(m[2]) - 1) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Whitespace and stray MLLP block characters (VT 0x0B, FS 0x1C) around a message. */
function trimFraming(text: string): string {
  const junk = (code: number) => code === 0x0b || code === 0x1c || code === 0x20 || (code >= 0x09 && code <= 0x0d);
  let start = 0;
  let end = text.length;
  while (start < end && junk(text.charCodeAt(start))) start++;
  while (end > start && junk(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}
