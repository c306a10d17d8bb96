import type { FieldProblem } from '../../../platform/errors/index.js';
import { insuranceStatus } from '../fhir/fhir-mapper.js';
import type { EhrChange, EhrEvent, MappedMessage } from '../inbound/ehr-change.js';
import type { EhrMapping } from '../inbound/ehr-mapping.service.js';
import { type Hl7Message, type Hl7Segment, hl7Date, hl7DateTime, repetitions, value } from './hl7-message.js';

export const HL7_TRIGGERS: Record<string, readonly string[]> = { ADT: ['A01', 'A03', 'A04', 'A08'], SIU: ['S12', 'S14', 'S15'] };
const VERSIONS = /^2\.[1-8](\.\d+)?$/;

type Rejection = { ok: false; kind: string; status: 'rejected' | 'dead_letter'; reason: string; problems: FieldProblem[]; hl7Code: string };

function problem(status: 'rejected' | 'dead_letter', kind: string, hl7Code: string, field: string, message: string): Rejection {
  return { ok: false, kind, status, reason: `${field}: ${message}`, problems: [{ field, message }], hl7Code };
}

/** The key a redelivered message is recognised by: sender and control id (MSH-3, MSH-4, MSH-10). */
export function hl7DedupeKey(message: Hl7Message): string {
  const h = message.header;
  return `hl7|${h.sendingApplication}|${h.sendingFacility}|${h.controlId}`;
}

/**
 * Maps ADT^A01/A03/A04/A08 and SIU^S12/S14/S15 to contact changes and events, like the FHIR path: PID (identifiers,
 * name, birth date, sex, address, phone and e-mail), PD1 (primary provider), PV1 (visit), DG1 (diagnoses), IN1
 * (insurance), SCH/AIS/AIG/AIP (appointment). Unsupported types are rejected (AR); a message missing what it needs
 * is an application error (AE).
 */
export function mapHl7(message: Hl7Message, mapping: EhrMapping): MappedMessage {
  const h = message.header;
  const kind = `${h.type}^${h.trigger}`;
  if (!h.controlId) return problem('rejected', kind, '101', 'MSH-10', 'message control id is required');
  if (!h.type) return problem('rejected', kind, '101', 'MSH-9', 'message type is required');
  const triggers = HL7_TRIGGERS[h.type] as readonly string[] | undefined;
  if (!triggers) return problem('rejected', kind, '200', 'MSH-9', `message type not supported (supported: ${Object.keys(HL7_TRIGGERS).join(', ')})`);
  if (!triggers.includes(h.trigger))
    return problem('rejected', kind, '201', 'MSH-9', `trigger event not supported for ${h.type} (supported: ${triggers.join(', ')})`);
  if (h.processingId && !['P', 'T', 'D'].includes(h.processingId[0])) return problem('rejected', kind, '202', 'MSH-11', 'processing id must be P, T or D');
  if (!VERSIONS.test(h.version)) return problem('rejected', kind, '203', 'MSH-12', 'version must be 2.1 to 2.8');

  const pid = message.get('PID');
  if (!pid) return problem('rejected', kind, '100', 'PID', 'segment is required');
  const ids = repetitions(pid, 3);
  if (ids.length === 0 || !ids.some((r) => r[0])) return problem('rejected', kind, '101', 'PID-3', 'patient identifier list is required');
  const warnings: FieldProblem[] = [];

  // PID-3: CX = ID ^ check digit ^ scheme ^ assigning authority (namespace & universal id & type) ^ identifier type code.
  const cx = (pid.fields[3] ?? []).map((rep) => ({
    value: rep[0]?.[0] ?? '',
    authority: rep[3]?.[0] ?? '',
    universal: rep[3]?.[1] ?? '',
    type: rep[4]?.[0] ?? '',
  }));
  const matchesSystem = (c: (typeof cx)[number]) =>
    !!mapping.mrnSystem && [c.authority, c.universal].some((a) => a && a.toLowerCase() === mapping.mrnSystem?.toLowerCase());
  let mrns = mapping.mrnSystem ? cx.filter(matchesSystem) : cx.filter((c) => c.type === 'MR');
  if (!mapping.mrnSystem && mrns.length === 0) mrns = cx.slice(0, 1);
  mrns = mrns.filter((c) => c.value);
  if (mapping.mrnSystem && mrns.length === 0)
    return problem('dead_letter', kind, '204', 'PID-3', `no identifier of the MRN system configured in the EHR mapping (${mapping.mrnSystem})`);
  const identifiers = mrns.map((c) => ({ kind: 'mrn', system: mapping.mrnSystem ?? (c.authority || c.universal || 'MR'), value: c.value }));

  const xtn = (pid.fields[13] ?? []).concat(pid.fields[14] ?? []);
  const email = xtn
    .map((rep) => [rep.at(3)?.at(0), rep.at(0)?.at(0)].find((v) => v?.includes('@')))
    .find((v): v is string => !!v)
    ?.trim();
  const phoneRep = xtn.find((rep) => !(rep[3]?.[0] ?? '').includes('@') && !(rep[0]?.[0] ?? '').includes('@') && (rep[0]?.[0] || rep[6]?.[0]));
  const phone = phoneRep ? phoneRep[0]?.[0] || `${phoneRep[5]?.[0] ?? ''}${phoneRep[6]?.[0] ?? ''}` : undefined;
  const birth = value(pid, 7);
  const birthDate = birth ? hl7Date(birth) : undefined;
  if (birth && !birthDate) warnings.push({ field: 'PID-7', message: 'not an HL7 date: left out' });
  const sexCode = value(pid, 8).toUpperCase();
  const sex = ({ F: 'female', M: 'male', O: 'other', A: 'other', U: 'unknown', N: 'unknown' } as Record<string, string>)[sexCode];
  const pd1 = message.get('PD1');
  const provider = xcnName(pd1, 4);

  const patient = { identifiers: identifiers.map((i) => ({ system: i.system, value: i.value })), email };
  const patientFields: Record<string, unknown> = {
    email,
    identifiers,
    lastName: value(pid, 5, 1) || undefined,
    firstName: value(pid, 5, 2) || undefined,
    birthDate,
    sex,
    phone: phone || undefined,
    postalCode: value(pid, 11, 5) || undefined,
    state: value(pid, 11, 4) || undefined,
    primaryProvider: provider,
  };
  const conditions = message
    .all('DG1')
    .map((dg1) => ({ code: value(dg1, 3, 1), display: value(dg1, 3, 2), system: dxSystem(value(dg1, 3, 3) || value(dg1, 2)) }))
    .filter((d) => d.code && d.system)
    .map((d) => ({ system: d.system, code: d.code, ...(d.display ? { display: d.display } : {}) }));
  if (conditions.length) patientFields.conditions = conditions;
  const in1 = message.get('IN1');
  if (in1) {
    const plan = value(in1, 2, 2) || value(in1, 9) || value(in1, 2, 1) || undefined;
    const company = value(in1, 4);
    patientFields.insuranceStatus = insuranceStatus([{ code: value(in1, 15) }], [company, plan, value(in1, 15), value(in1, 47)].join(' '));
    if (plan) patientFields.insurancePlan = plan;
  }

  const messageTime = hl7DateTime(value(message.get('EVN'), 2)) ?? hl7DateTime(value(message.segments[0], 7)) ?? new Date();
  const change: EhrChange = { entry: 0, label: kind, patient, fields: patientFields, createIfMissing: true, events: [] };

  if (h.type === 'ADT') {
    const pv1 = message.get('PV1');
    if (!pv1 && h.trigger !== 'A08') return problem('rejected', kind, '100', 'PV1', `segment is required for ${kind}`);
    const visit = value(pv1, 19) || h.controlId;
    const admitted = hl7DateTime(value(pv1, 44));
    const discharged = hl7DateTime(value(pv1, 45));
    const properties = {
      patientClass: value(pv1, 2) || null,
      location: [value(pv1, 3, 1), value(pv1, 3, 2), value(pv1, 3, 4)].filter(Boolean).join('/') || null,
      attending: xcnName(pv1, 7) ?? null,
      admittedAt: admitted?.toISOString() ?? null,
      dischargedAt: discharged?.toISOString() ?? null,
      dischargeDisposition: value(pv1, 36) || null,
      visitNumber: value(pv1, 19) || null,
    };
    const type = ({ A01: 'patient.admitted', A03: 'patient.discharged', A04: 'patient.registered', A08: 'patient.updated' } as const)[h.trigger as 'A01'];
    const at = h.trigger === 'A03' ? (discharged ?? messageTime) : h.trigger === 'A01' || h.trigger === 'A04' ? (admitted ?? messageTime) : messageTime;
    const key = h.trigger === 'A08' ? `ADT/${hl7DedupeKey(message)}` : `ADT/${visit}/${h.trigger}`;
    change.events.push({ type, occurredAt: at, properties, key });
    if (h.trigger === 'A03') change.visit = { date: at.toISOString().slice(0, 10), summary: value(pv1, 2) === 'I' ? 'Inpatient stay' : undefined };
  } else {
    const sch = message.get('SCH');
    if (!sch) return problem('rejected', kind, '100', 'SCH', 'segment is required for SIU messages');
    const ais = message.get('AIS');
    const aig = message.get('AIG');
    const aip = message.get('AIP');
    const startText = value(ais, 4) || value(aig, 8) || value(aip, 6) || value(sch, 11, 4);
    const start = startText ? hl7DateTime(startText) : undefined;
    if (startText && !start) return problem('rejected', kind, '102', 'AIS-4', 'appointment start is not an HL7 date/time');
    const appointmentId = value(sch, 2) || value(sch, 1);
    if (!appointmentId) return problem('rejected', kind, '101', 'SCH-1', 'placer or filler appointment id (SCH-1 or SCH-2) is required');
    const serviceType = value(ais, 3, 2) || value(ais, 3, 1) || value(sch, 7, 2) || value(sch, 7, 1) || value(sch, 8, 2) || value(aig, 3, 2) || null;
    const type = ({ S12: 'appointment.booked', S14: 'appointment.rescheduled', S15: 'appointment.cancelled' } as const)[h.trigger as 'S12'];
    const event: EhrEvent = {
      type,
      occurredAt: messageTime,
      properties: {
        appointmentId,
        start: start?.toISOString() ?? null,
        serviceType,
        provider: xcnName(aip, 3) ?? (value(aig, 3, 2) || null),
        status: value(sch, 25) || null,
      },
      key: `SIU/${appointmentId}/${h.trigger}/${start?.toISOString() ?? ''}`,
    };
    change.events.push(event);
    const date = start?.toISOString().slice(0, 10);
    if (h.trigger === 'S15') change.cancelledVisitDate = date;
    else if (start && start.getTime() > Date.now()) change.fields.nextVisitDate = date;
  }
  return { ok: true, kind, changes: [change], warnings, failedEntries: [], entries: 1 };
}

function dxSystem(system: string): 'ICD-10' | 'SNOMED-CT' | undefined {
  const s = system.toUpperCase();
  if (['I10', 'I10C', 'ICD10', 'ICD-10', 'ICD10CM', 'ICD-10-CM'].includes(s)) return 'ICD-10';
  if (['SCT', 'SNOMED', 'SNOMED-CT', 'SNM3'].includes(s)) return 'SNOMED-CT';
  return undefined;
}

/** An XCN as "Given Family" (components 3 and 2), or undefined. */
function xcnName(segment: Hl7Segment | undefined, n: number): string | undefined {
  const family = value(segment, n, 2);
  const given = value(segment, n, 3);
  const prefix = value(segment, n, 6);
  const name = [prefix, given, family].filter(Boolean).join(' ');
  return name || undefined;
}
