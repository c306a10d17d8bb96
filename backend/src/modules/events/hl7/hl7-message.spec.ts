import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAck } from './hl7-ack.js';
import { decodeHl7, escape, Hl7Message, Hl7ParseError, hl7Date, hl7DateTime, repetitions, STANDARD_DELIMITERS, unescape, value } from './hl7-message.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/hl7', name), 'utf8').replace(/\n/g, '\r');

describe('HL7 v2 parsing', () => {
  it('reads the header, fields, components, subcomponents and repetitions of a standard ADT^A01', () => {
    const m = Hl7Message.parse(fixture('adt-a01.hl7'));
    expect(m.header).toMatchObject({
      type: 'ADT',
      trigger: 'A01',
      structure: 'ADT_A01',
      controlId: 'MSG00001',
      processingId: 'P',
      version: '2.5.1',
      sendingApplication: 'ADT1',
    });
    const pid = m.get('PID');
    expect(value(pid, 3)).toBe('PATID1234');
    expect(value(pid, 3, 4)).toBe('GOOD HEALTH HOSPITAL');
    expect(value(pid, 3, 5, 1, 1)).toBe('SS');
    expect(repetitions(pid, 3).map((r) => r[0])).toEqual(['PATID1234', '123456789']);
    expect(value(pid, 5, 2)).toBe('ADAM');
    expect(value(pid, 13, 4, 1, 1)).toBe('adam.everyman@example.org');
    expect(value(m.segments[0], 1)).toBe('|');
    expect(value(m.segments[0], 2)).toBe('^~\\&');
    expect(m.all('DG1')).toHaveLength(1);
  });

  it('decodes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ after splitting, so escaped delimiters are text', () => {
    const m = Hl7Message.parse(fixture('adt-a04.hl7'));
    const pid = m.get('PID');
    expect(value(pid, 5, 1)).toBe('O&BRIEN');
    expect(value(pid, 5, 2)).toBe('SIOBHAN^ROSE');
    expect(value(pid, 11, 1)).toBe('4 OAK LANE~UNIT 2');
    expect(repetitions(pid, 11)).toHaveLength(1);
    const d = STANDARD_DELIMITERS;
    expect(unescape('a\\F\\b\\E\\c\\X41\\\\.br\\d\\H\\bold\\N\\', d)).toBe('a|b\\cA\ndbold');
    expect(unescape('dangling \\F', d)).toBe('dangling \\F');
    expect(unescape(escape('x|y^z&w~v\\u', d), d)).toBe('x|y^z&w~v\\u');
  });

  it('uses the delimiters the message declares', () => {
    // Field #, component $, repetition %, escape *, subcomponent !
    const m = Hl7Message.parse('MSH#$%*!#APP#FAC#ME#US#20260101##ADT$A08#C1#P#2.5.1\rPID###77$$$HOSP$MR##DOE$JANE!X%Y!S*S*Z');
    const pid = m.get('PID');
    expect(m.header).toMatchObject({ type: 'ADT', trigger: 'A08', controlId: 'C1' });
    expect(value(pid, 3)).toBe('77');
    expect(value(pid, 3, 4)).toBe('HOSP');
    expect(value(pid, 5, 1)).toBe('DOE');
    expect(value(pid, 5, 2, 1)).toBe('JANE');
    expect(value(pid, 5, 2, 2)).toBe('X');
    expect(repetitions(pid, 5)).toHaveLength(2);
    expect(value(pid, 5, 1, 1, 1)).toBe('Y');
    expect(value(pid, 5, 1, 2, 1)).toBe('S$Z');
  });

  it('refuses wrong encoding characters, a missing MSH and bad segment names', () => {
    const bad = (text: string) => {
      try {
        Hl7Message.parse(text);
      } catch (err) {
        return err instanceof Hl7ParseError ? { code: err.code, at: err.location } : 'other';
      }
      return 'parsed';
    };
    expect(bad('MSH|^~\\|APP|FAC')).toEqual({ code: '102', at: { segment: 'MSH', field: 2 } });
    expect(bad('MSH|^^\\&|APP|FAC')).toEqual({ code: '102', at: { segment: 'MSH', field: 2 } });
    expect(bad('MSH|^~A&|APP|FAC')).toEqual({ code: '102', at: { segment: 'MSH', field: 2 } });
    expect(bad('PID|1||X')).toMatchObject({ code: '100' });
    expect(bad('MSH|^~\\&|A\rxx|1')).toMatchObject({ code: '100' });
  });

  it('reads dates, times with offsets, and Latin-1 messages named in MSH-18', () => {
    expect(hl7Date('19610615')).toBe('1961-06-15');
    expect(hl7Date('19610231')).toBeUndefined();
    expect(hl7DateTime('200708181123')?.toISOString()).toBe('2007-08-18T11:23:00.000Z');
    expect(hl7DateTime('20070818112300.1234-0500')?.toISOString()).toBe('2007-08-18T16:23:00.000Z');
    expect(hl7DateTime('2007')?.toISOString()).toBe('2007-01-01T00:00:00.000Z');
    expect(hl7DateTime('2007-08-18')).toBeUndefined();
    const latin = Buffer.from('MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5||||||8859/1\rPID|||1||M\xfcller^J\xfcrgen', 'latin1');
    expect(value(Hl7Message.parse(decodeHl7(latin)).get('PID'), 5)).toBe('Müller');
    const utf8 = Buffer.from('MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5||||||UNICODE UTF-8\rPID|||1||Müller', 'utf8');
    expect(value(Hl7Message.parse(decodeHl7(utf8)).get('PID'), 5)).toBe('Müller');
  });

  it('builds ACKs with MSA and ERR segments that echo the control id and escape texts', () => {
    const m = Hl7Message.parse(fixture('adt-a01.hl7'));
    const ack = buildAck('AE', m, [{ code: '101', text: 'PID-3: required | really', segment: 'PID', field: 3 }]);
    const parsed = Hl7Message.parse(ack);
    expect(parsed.header).toMatchObject({ type: 'ACK', trigger: 'A01', sendingApplication: 'GHH LAB, INC.', receivingApplication: 'ADT1' });
    expect(value(parsed.get('MSA'), 1)).toBe('AE');
    expect(value(parsed.get('MSA'), 2)).toBe('MSG00001');
    const err = parsed.get('ERR');
    expect(value(err, 2)).toBe('PID');
    expect(value(err, 2, 3)).toBe('3');
    expect(value(err, 3)).toBe('101');
    expect(value(err, 4)).toBe('E');
    expect(value(err, 8)).toBe('PID-3: required | really');
    expect(value(Hl7Message.parse(buildAck('AA', m)).get('MSA'), 1)).toBe('AA');
  });
});
