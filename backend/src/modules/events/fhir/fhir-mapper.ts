import type { FieldProblem } from '../../../platform/errors/index.js';
import type { EhrChange, EhrEvent, EntryFailure, MappedMessage, PatientRef } from '../inbound/ehr-change.js';
import type { EhrMapping } from '../inbound/ehr-mapping.service.js';

/** The identifier system under which a patient's FHIR logical id is kept, so references like Patient/123 find the contact. */
export const FHIR_PATIENT_ID_SYSTEM = 'urn:hipaa-mail:fhir:patient';
export const SUPPORTED_RESOURCES = ['Patient', 'Appointment', 'Encounter', 'Condition', 'Coverage'] as const;
const BUNDLE_TYPES = ['batch', 'transaction', 'collection', 'message', 'history'];
/** Resources a bundle may carry that have nothing to map (message headers, referenced practitioners…): skipped with a note. */
const PASSIVE_RESOURCES = new Set([
  'MessageHeader',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'HealthcareService',
  'Provenance',
  'Parameters',
]);

type Json = Record<string, unknown>;
type Fetcher = (reference: string) => Promise<Json>;

class Invalid extends Error {
  constructor(
    readonly problems: FieldProblem[],
    readonly code: 'invalid' | 'structure' | 'required' | 'value' | 'not-supported' = 'invalid',
  ) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

class Unmappable extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

/** Parses a FHIR JSON body; a problem names the place (never a value). */
export function parseFhirJson(raw: Buffer): { resource: Json } | { problems: FieldProblem[]; code: 'structure' | 'invalid' } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    return { code: 'structure', problems: [{ field: '$', message: `the body is not valid JSON${at ? ` (error at character ${at})` : ''}` }] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { code: 'structure', problems: [{ field: '$', message: 'the body must be a FHIR resource (a JSON object)' }] };
  if (typeof (parsed as Json).resourceType !== 'string') return { code: 'invalid', problems: [{ field: 'resourceType', message: 'required' }] };
  return { resource: parsed as Json };
}

/**
 * Maps a FHIR R4 resource or Bundle to contact changes and events. Input that is not valid for the resources handled
 * is rejected with problems naming the FHIRPath of the element; valid input that cannot be mapped with the current
 * mapping (no MRN of the configured system, an id-only notification without a server to fetch from) is a dead letter.
 */
export async function mapFhir(resource: Json, mapping: EhrMapping, fetch: Fetcher | null, expectedType?: string): Promise<MappedMessage> {
  const type = String(resource.resourceType);
  if (expectedType && type !== expectedType) {
    return reject(type, [{ field: 'resourceType', message: `expected ${expectedType} at this endpoint, got a different resource type` }]);
  }
  try {
    if (type === 'Bundle') return await mapBundle(resource, mapping, fetch);
    if (!(SUPPORTED_RESOURCES as readonly string[]).includes(type)) {
      return reject(type, [{ field: 'resourceType', message: `not supported here (supported: Bundle, ${SUPPORTED_RESOURCES.join(', ')})` }], 'not-supported');
    }
    const change = mapResource(resource, 0, type, mapping);
    return { ok: true, kind: type, changes: [change], warnings: [], failedEntries: [], entries: 1 };
  } catch (err) {
    if (err instanceof Invalid) return reject(type, err.problems, err.code);
    if (err instanceof Unmappable) return { ok: false, kind: type, status: 'dead_letter', reason: err.message, problems: err.problems };
    throw err;
  }
}

function reject(kind: string, problems: FieldProblem[], code = 'invalid'): MappedMessage {
  return { ok: false, kind, status: 'rejected', reason: problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems, hl7Code: code };
}

async function mapBundle(bundle: Json, mapping: EhrMapping, fetch: Fetcher | null): Promise<MappedMessage> {
  const bundleType = typeof bundle.type === 'string' ? bundle.type : '';
  if (!bundleType) throw new Invalid([{ field: 'Bundle.type', message: 'required' }], 'required');
  if (!BUNDLE_TYPES.includes(bundleType))
    throw new Invalid(
      [
        {
          field: 'Bundle.type',
          message: `${bundleType === 'document' || bundleType === 'searchset' ? 'this bundle type is' : 'unknown bundle type,'} not supported (batch, transaction, collection, message, or a subscription notification)`,
        },
      ],
      'not-supported',
    );
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw new Invalid([{ field: 'Bundle.entry', message: 'must be a list' }], 'structure');
  const entries = (bundle.entry ?? []) as unknown[];
  const kind = `Bundle/${bundleType}`;
  const warnings: FieldProblem[] = [];
  const failedEntries: EntryFailure[] = [];
  const changes: EhrChange[] = [];
  let start = 0;

  if (bundleType === 'history') {
    const status = obj(entries[0])?.resource as Json | undefined;
    if (!status || (status.resourceType !== 'Parameters' && status.resourceType !== 'SubscriptionStatus'))
      throw new Invalid(
        [
          {
            field: 'Bundle.entry[0].resource',
            message: 'a history bundle is accepted only as a subscription notification (SubscriptionStatus Parameters first)',
          },
        ],
        'not-supported',
      );
    const notification = notificationType(status);
    if (notification === 'handshake' || notification === 'heartbeat' || notification === 'query-status' || notification === 'query-event')
      return { ok: true, kind: `SubscriptionNotification/${notification}`, changes: [], warnings: [], failedEntries: [], entries: entries.length, bundleType };
    if (notification !== 'event-notification')
      throw new Invalid([
        { field: 'Bundle.entry[0].resource.parameter[type]', message: 'must be event-notification, handshake, heartbeat, query-status or query-event' },
      ]);
    start = 1;
  } else if (bundleType === 'message') {
    const header = obj(entries[0])?.resource as Json | undefined;
    if (header?.resourceType !== 'MessageHeader')
      throw new Invalid([{ field: 'Bundle.entry[0].resource', message: 'a message bundle starts with a MessageHeader' }], 'structure');
    start = 1;
  }

  const notificationKind = bundleType === 'history' ? 'SubscriptionNotification/event-notification' : kind;
  const transaction = bundleType === 'transaction';
  const invalid: FieldProblem[] = [];
  for (let i = start; i < entries.length; i++) {
    const at = `Bundle.entry[${i}]`;
    const entry = obj(entries[i]);
    if (!entry) {
      invalid.push({ field: at, message: 'must be an object' });
      failedEntries.push({ entry: i, label: 'entry', status: 'rejected', problems: [{ field: at, message: 'must be an object' }] });
      continue;
    }
    let resource = obj(entry.resource);
    const method = obj(entry.request)?.method;
    if ((bundleType === 'batch' || bundleType === 'transaction') && method !== undefined && method !== 'POST' && method !== 'PUT' && method !== 'PATCH') {
      failedEntries.push({
        entry: i,
        label: str(resource?.resourceType) ?? 'entry',
        status: 'rejected',
        problems: [{ field: `${at}.request.method`, message: 'only POST and PUT are accepted' }],
      });
      invalid.push({ field: `${at}.request.method`, message: 'only POST and PUT are accepted' });
      continue;
    }
    if (!resource && bundleType === 'history') {
      // An id-only notification: the resource is fetched from the EHR's FHIR server.
      const reference = typeof entry.fullUrl === 'string' ? entry.fullUrl : '';
      if (!reference) {
        failedEntries.push({
          entry: i,
          label: 'entry',
          status: 'rejected',
          problems: [{ field: `${at}.fullUrl`, message: 'required for an id-only notification entry' }],
        });
        continue;
      }
      if (!fetch) {
        failedEntries.push({
          entry: i,
          label: 'entry',
          status: 'dead_letter',
          problems: [{ field: `${at}.resource`, message: 'id-only notification: set fhirServerUrl in the EHR mapping so the resource can be fetched' }],
        });
        continue;
      }
      try {
        resource = await fetch(reference);
      } catch (err) {
        failedEntries.push({
          entry: i,
          label: 'entry',
          status: 'dead_letter',
          problems: [{ field: `${at}.fullUrl`, message: `the resource could not be fetched (${(err as Error).message})` }],
        });
        continue;
      }
    }
    if (!resource) {
      invalid.push({ field: `${at}.resource`, message: 'required' });
      failedEntries.push({ entry: i, label: 'entry', status: 'rejected', problems: [{ field: `${at}.resource`, message: 'required' }] });
      continue;
    }
    const type = str(resource.resourceType) ?? '';
    if (!(SUPPORTED_RESOURCES as readonly string[]).includes(type)) {
      if (PASSIVE_RESOURCES.has(type)) warnings.push({ field: `${at}.resource`, message: `${type} has nothing to map: skipped` });
      else {
        const problem = { field: `${at}.resource.resourceType`, message: type ? `${type} is not supported` : 'required' };
        invalid.push(problem);
        failedEntries.push({ entry: i, label: type || 'entry', status: 'rejected', problems: [problem] });
      }
      continue;
    }
    try {
      const change = mapResource(resource, i, type, mapping, typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined, at);
      changes.push(change);
    } catch (err) {
      if (err instanceof Invalid) {
        invalid.push(...err.problems);
        failedEntries.push({ entry: i, label: type, status: 'rejected', problems: err.problems });
      } else if (err instanceof Unmappable) failedEntries.push({ entry: i, label: type, status: 'dead_letter', problems: err.problems });
      else throw err;
    }
  }
  // A transaction is all or nothing: one invalid entry rejects the bundle.
  if (transaction && invalid.length) throw new Invalid(invalid);
  return { ok: true, kind: notificationKind, changes, warnings, failedEntries, entries: entries.length, bundleType };
}

function notificationType(status: Json): string {
  if (status.resourceType === 'SubscriptionStatus') return str(status.type) ?? '';
  const params = Array.isArray(status.parameter) ? (status.parameter as Json[]) : [];
  const type = params.find((p) => p.name === 'type');
  return str(type?.valueCode) ?? '';
}

function mapResource(r: Json, entry: number, type: string, mapping: EhrMapping, fullUrl?: string, base = ''): EhrChange {
  const at = (path: string) => `${base ? `${base}.resource.` : ''}${type}${path ? `.${path}` : ''}`;
  if (r.id !== undefined && (typeof r.id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(r.id)))
    throw new Invalid([{ field: at('id'), message: 'must be 1-64 letters, digits, - or .' }]);
  switch (type) {
    case 'Patient':
      return mapPatient(r, entry, mapping, at, fullUrl);
    case 'Appointment':
      return mapAppointment(r, entry, at);
    case 'Encounter':
      return mapEncounter(r, entry, at);
    case 'Condition':
      return mapCondition(r, entry, at);
    case 'Coverage':
      return mapCoverage(r, entry, at);
    default:
      throw new Invalid([{ field: at(''), message: 'not supported' }], 'not-supported');
  }
}

function mapPatient(r: Json, entry: number, mapping: EhrMapping, at: (p: string) => string, fullUrl?: string): EhrChange {
  const problems: FieldProblem[] = [];
  const gender = r.gender;
  if (gender !== undefined && !['male', 'female', 'other', 'unknown'].includes(gender as string))
    problems.push({ field: at('gender'), message: 'must be male, female, other or unknown' });
  if (r.birthDate !== undefined && (typeof r.birthDate !== 'string' || !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(r.birthDate)))
    problems.push({ field: at('birthDate'), message: 'must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)' });
  for (const key of ['identifier', 'name', 'telecom', 'address', 'generalPractitioner'] as const)
    if (r[key] !== undefined && !Array.isArray(r[key])) problems.push({ field: at(key), message: 'must be a list' });
  if (problems.length) throw new Invalid(problems);

  const identifiers = list(r.identifier);
  identifiers.forEach((id, i) => {
    if (typeof id.value !== 'string' && id.value !== undefined) problems.push({ field: at(`identifier[${i}].value`), message: 'must be a string' });
  });
  if (problems.length) throw new Invalid(problems);
  const mrns = identifiers.filter((id) => typeof id.value === 'string' && isMrn(id, mapping));
  if (mapping.mrnSystem && mrns.length === 0)
    throw new Unmappable([{ field: at('identifier'), message: `no identifier of the MRN system configured in the EHR mapping (${mapping.mrnSystem})` }]);
  const stored = mrns.map((id) => ({
    kind: 'mrn',
    system: mapping.mrnSystem ?? (typeof id.system === 'string' ? id.system : 'MR'),
    value: id.value as string,
  }));
  const members = identifiers.filter((id) => typeof id.value === 'string' && typeof id.system === 'string' && codings(id.type).some((c) => c.code === 'MB'));
  stored.push(...members.map((id) => ({ kind: 'member', system: id.system as string, value: id.value as string })));
  if (typeof r.id === 'string') stored.push({ kind: 'patient', system: FHIR_PATIENT_ID_SYSTEM, value: r.id });

  const telecom = list(r.telecom).filter((t) => t.use !== 'old' && !obj(t.period)?.end);
  const email = telecom.find((t) => t.system === 'email' && typeof t.value === 'string')?.value as string | undefined;
  const phone = (telecom.find((t) => t.system === 'phone' && t.use === 'mobile') ?? telecom.find((t) => t.system === 'phone' && t.use === 'home'))?.value as
    string | undefined;
  const names = list(r.name).filter((n) => n.use !== 'old' && n.use !== 'maiden');
  const name: Json | undefined = names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names.at(0);
  const given = Array.isArray(name?.given) ? (name.given as unknown[]).find((g) => typeof g === 'string') : undefined;
  const addresses = list(r.address).filter((a) => a.use !== 'old' && !obj(a.period)?.end);
  const address: Json | undefined = addresses.find((a) => a.use === 'home') ?? addresses.at(0);
  const gp: Json | undefined = list(r.generalPractitioner).at(0);

  const fields: Record<string, unknown> = {
    email,
    identifiers: stored,
    firstName: given,
    lastName: typeof name?.family === 'string' ? name.family : undefined,
    birthDate: typeof r.birthDate === 'string' && r.birthDate.length === 10 ? r.birthDate : undefined,
    sex: gender,
    phone,
    postalCode: address?.postalCode,
    state: address?.state,
    primaryProvider: typeof gp?.display === 'string' ? gp.display : undefined,
  };
  const refIdentifiers = stored.map((s) => ({ system: s.system, value: s.value }));
  const provides = [fullUrl, typeof r.id === 'string' ? `Patient/${r.id}` : undefined].filter((v): v is string => !!v);
  return { entry, label: 'Patient', patient: { identifiers: refIdentifiers, email }, fields, createIfMissing: true, provides, events: [] };
}

function isMrn(id: Json, mapping: EhrMapping): boolean {
  if (mapping.mrnSystem) return typeof id.system === 'string' && id.system.toLowerCase() === mapping.mrnSystem.toLowerCase();
  return codings(id.type).some((c) => c.code === 'MR');
}

/** A reference to the patient: Patient/id (relative or absolute), urn:uuid of a bundle entry, or a logical identifier. */
function patientRef(ref: unknown, field: string): PatientRef {
  const r = obj(ref);
  if (!r) throw new Invalid([{ field, message: 'required: a reference to the Patient' }], 'required');
  const identifiers: PatientRef['identifiers'] = [];
  const identifier = obj(r.identifier);
  if (identifier && typeof identifier.value === 'string' && typeof identifier.system === 'string')
    identifiers.push({ system: identifier.system, value: identifier.value });
  let localRef: string | undefined;
  if (typeof r.reference === 'string') {
    const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(r.reference);
    if (m) {
      identifiers.push({ system: FHIR_PATIENT_ID_SYSTEM, value: m[1] });
      localRef = `Patient/${m[1]}`;
    } else if (r.reference.startsWith('urn:uuid:') || r.reference.startsWith('urn:oid:')) localRef = r.reference;
    else if (/^(?:https?:\/\/.*\/)?[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r.reference))
      throw new Invalid([{ field, message: 'must reference a Patient' }]);
    else throw new Invalid([{ field: `${field}.reference`, message: 'is not a valid reference' }]);
  }
  if (!identifiers.length && !localRef) throw new Invalid([{ field, message: 'must have a reference or an identifier' }], 'required');
  return { identifiers, localRef };
}

function mapAppointment(r: Json, entry: number, at: (p: string) => string): EhrChange {
  const statuses = ['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist'];
  if (typeof r.status !== 'string') throw new Invalid([{ field: at('status'), message: 'required' }], 'required');
  if (!statuses.includes(r.status)) throw new Invalid([{ field: at('status'), message: `must be one of ${statuses.join(', ')}` }], 'value');
  if (!Array.isArray(r.participant) || r.participant.length === 0)
    throw new Invalid([{ field: at('participant'), message: 'required (at least one)' }], 'required');
  const start = r.start === undefined ? undefined : instant(r.start);
  if (r.start !== undefined && !start) throw new Invalid([{ field: at('start'), message: 'must be a FHIR instant (date, time and offset)' }], 'value');
  if (!start && ['booked', 'arrived', 'fulfilled', 'noshow', 'checked-in'].includes(r.status))
    throw new Invalid([{ field: at('start'), message: 'required unless the appointment is proposed, pending, cancelled or waitlisted (app-3)' }], 'required');
  const participants = (r.participant as unknown[]).map(obj);
  const index = participants.findIndex((p) => {
    const actor = obj(p?.actor);
    return typeof actor?.reference === 'string' ? /(^|\/)Patient\/|^urn:uuid:/.test(actor.reference) : actor?.type === 'Patient';
  });
  if (index < 0) throw new Unmappable([{ field: at('participant'), message: 'no participant is a Patient' }]);
  const patient = patientRef(participants[index]?.actor, at(`participant[${index}].actor`));
  const serviceType = text(list(r.serviceType)[0]) ?? text(r.appointmentType);
  const date = start?.toISOString().slice(0, 10);
  const eventType = (
    { booked: 'appointment.booked', cancelled: 'appointment.cancelled', noshow: 'appointment.noshow', fulfilled: 'appointment.fulfilled' } as const
  )[r.status as 'booked'] as EhrEvent['type'] | undefined;
  const events: EhrEvent[] = eventType
    ? [
        {
          type: eventType,
          occurredAt: new Date(),
          properties: { appointmentId: str(r.id), start: start?.toISOString() ?? null, serviceType: serviceType ?? null, status: r.status },
          key: `Appointment/${str(r.id) ?? hashish(r)}/${r.status}/${start?.toISOString() ?? ''}`,
        },
      ]
    : [];
  const upcoming = r.status === 'booked' && start && start.getTime() > Date.now();
  return {
    entry,
    label: 'Appointment',
    patient,
    fields: upcoming ? { nextVisitDate: date } : {},
    createIfMissing: false,
    ...(r.status === 'cancelled' || r.status === 'noshow' ? { cancelledVisitDate: date } : {}),
    events,
  };
}

function mapEncounter(r: Json, entry: number, at: (p: string) => string): EhrChange {
  const statuses = ['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown'];
  if (typeof r.status !== 'string') throw new Invalid([{ field: at('status'), message: 'required' }], 'required');
  if (!statuses.includes(r.status)) throw new Invalid([{ field: at('status'), message: `must be one of ${statuses.join(', ')}` }], 'value');
  const cls = obj(r.class);
  if (!cls || (typeof cls.code !== 'string' && typeof cls.display !== 'string'))
    throw new Invalid([{ field: at('class'), message: 'required (a Coding)' }], 'required');
  if (r.subject === undefined) throw new Unmappable([{ field: at('subject'), message: 'no subject: the encounter names no patient' }]);
  const patient = patientRef(r.subject, at('subject'));
  const period = obj(r.period);
  const started = period?.start !== undefined ? dateTime(period.start) : undefined;
  const ended = period?.end !== undefined ? dateTime(period.end) : undefined;
  if ((period?.start !== undefined && !started) || (period?.end !== undefined && !ended))
    throw new Invalid([{ field: at('period'), message: 'start and end must be FHIR dateTimes' }], 'value');
  const type = text(list(r.type)[0]) ?? (typeof cls.display === 'string' ? cls.display : undefined);
  const disposition = text(obj(r.hospitalization)?.dischargeDisposition);
  const properties = {
    encounterId: str(r.id),
    class: typeof cls.code === 'string' ? cls.code : null,
    type: type ?? null,
    periodStart: started?.toISOString() ?? null,
    periodEnd: ended?.toISOString() ?? null,
    dischargeDisposition: disposition ?? null,
  };
  const key = `Encounter/${str(r.id) ?? hashish(r)}`;
  if (r.status === 'finished') {
    const when = ended ?? started ?? new Date();
    return {
      entry,
      label: 'Encounter',
      patient,
      fields: {},
      createIfMissing: false,
      visit: { date: when.toISOString().slice(0, 10), summary: type },
      events: [{ type: 'patient.discharged', occurredAt: when, properties, key: `${key}/finished` }],
    };
  }
  const events: EhrEvent[] =
    r.status === 'in-progress' || r.status === 'arrived'
      ? [
          {
            type: cls.code === 'IMP' || cls.code === 'ACUTE' || cls.code === 'NONAC' ? 'patient.admitted' : 'patient.registered',
            occurredAt: started ?? new Date(),
            properties,
            key: `${key}/${r.status}`,
          },
        ]
      : [];
  return { entry, label: 'Encounter', patient, fields: {}, createIfMissing: false, events };
}

function mapCondition(r: Json, entry: number, at: (p: string) => string): EhrChange {
  const patient = patientRef(r.subject, at('subject'));
  const clinical = codings(r.clinicalStatus)[0]?.code;
  const verification = codings(r.verificationStatus)[0]?.code;
  const clinicalStatuses = ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'];
  if (clinical !== undefined && !clinicalStatuses.includes(clinical))
    throw new Invalid([{ field: at('clinicalStatus'), message: `must be one of ${clinicalStatuses.join(', ')}` }], 'value');
  const codes = codings(r.code)
    .map((c) => ({ system: codeSystem(c.system), code: c.code, display: c.display }))
    .filter((c): c is { system: 'ICD-10' | 'SNOMED-CT'; code: string; display: string | undefined } => !!c.system && typeof c.code === 'string');
  if (codes.length === 0) throw new Unmappable([{ field: at('code'), message: 'no ICD-10 or SNOMED CT coding' }]);
  const removed = ['inactive', 'remission', 'resolved'].includes(clinical ?? '') || verification === 'refuted' || verification === 'entered-in-error';
  const conditions = codes.map((c) => ({ system: c.system, code: c.code, ...(c.display ? { display: c.display } : {}) }));
  return {
    entry,
    label: 'Condition',
    patient,
    fields: removed ? {} : { conditions },
    createIfMissing: false,
    ...(removed ? { removeConditions: conditions.map((c) => ({ system: c.system, code: c.code })) } : {}),
    events: [
      {
        type: 'condition.recorded',
        occurredAt: new Date(),
        properties: { conditionId: str(r.id), system: codes[0].system, code: codes[0].code, clinicalStatus: clinical ?? null },
        key: `Condition/${str(r.id) ?? hashish(r)}/${clinical ?? ''}/${verification ?? ''}/${codes.map((c) => c.code).join(',')}`,
      },
    ],
  };
}

function mapCoverage(r: Json, entry: number, at: (p: string) => string): EhrChange {
  const statuses = ['active', 'cancelled', 'draft', 'entered-in-error'];
  if (typeof r.status !== 'string') throw new Invalid([{ field: at('status'), message: 'required' }], 'required');
  if (!statuses.includes(r.status)) throw new Invalid([{ field: at('status'), message: `must be one of ${statuses.join(', ')}` }], 'value');
  if (!Array.isArray(r.payor) || r.payor.length === 0) throw new Invalid([{ field: at('payor'), message: 'required (at least one)' }], 'required');
  const patient = patientRef(r.beneficiary, at('beneficiary'));
  const classes = list(r.class);
  const planClass = classes.find((c) => codings(c.type).some((t) => t.code === 'plan')) ?? classes.find((c) => codings(c.type).some((t) => t.code === 'group'));
  const plan = (typeof planClass?.name === 'string' ? planClass.name : undefined) ?? (typeof planClass?.value === 'string' ? planClass.value : undefined);
  const payor = text(list(r.payor)[0]) ?? (typeof obj(list(r.payor)[0])?.display === 'string' ? (obj(list(r.payor)[0])?.display as string) : undefined);
  const typeCodes = codings(r.type);
  const status = insuranceStatus(typeCodes, [text(r.type), payor, plan].filter((v): v is string => !!v).join(' '));
  const active = r.status === 'active';
  return {
    entry,
    label: 'Coverage',
    patient,
    fields: active ? { insuranceStatus: status, ...(plan ? { insurancePlan: plan } : {}) } : {},
    createIfMissing: false,
    events: [
      {
        type: 'coverage.updated',
        occurredAt: new Date(),
        properties: { coverageId: str(r.id), status: r.status, insuranceStatus: status, plan: plan ?? null },
        key: `Coverage/${str(r.id) ?? hashish(r)}/${r.status}/${plan ?? ''}`,
      },
    ],
  };
}

/** Insurance status from the coverage type (v3 ActCode, or the Source of Payment Typology) or, failing that, the names. */
export function insuranceStatus(
  types: { system?: string; code?: string }[],
  names: string,
): 'commercial' | 'medicare' | 'medicaid' | 'tricare' | 'uninsured' | 'other' {
  for (const t of types) {
    const code = t.code ?? '';
    if (/sopt|nahdo|payer-type/i.test(t.system ?? '')) {
      if (code.startsWith('1')) return 'medicare';
      if (code.startsWith('2')) return 'medicaid';
      if (code.startsWith('31')) return 'tricare';
      if (code.startsWith('5') || code.startsWith('6')) return 'commercial';
      if (code === '81' || code.startsWith('8')) return 'uninsured';
    }
  }
  if (/medicare/i.test(names)) return 'medicare';
  if (/medicaid|medi-cal/i.test(names)) return 'medicaid';
  if (/tricare|champus/i.test(names)) return 'tricare';
  if (/self[- ]?pay|uninsured/i.test(names)) return 'uninsured';
  if (types.some((t) => ['EHCPOL', 'HIP', 'MCPOL', 'HMO', 'PPO', 'POS', 'DENTAL', 'DRUGPOL', 'VISPOL', 'MENTPOL', 'SUBSIDIZ'].includes(t.code ?? '')))
    return 'commercial';
  return 'other';
}

function codeSystem(system: unknown): 'ICD-10' | 'SNOMED-CT' | undefined {
  if (typeof system !== 'string') return undefined;
  if (system === 'http://snomed.info/sct') return 'SNOMED-CT';
  if (/^http:\/\/hl7\.org\/fhir\/sid\/icd-10(-cm)?$/.test(system)) return 'ICD-10';
  return undefined;
}

function codings(concept: unknown): { system?: string; code?: string; display?: string }[] {
  return list(obj(concept)?.coding).map((c) => ({
    system: typeof c.system === 'string' ? c.system : undefined,
    code: typeof c.code === 'string' ? c.code : undefined,
    display: typeof c.display === 'string' ? c.display : undefined,
  }));
}

/** A CodeableConcept's text, else its first coding's display or code (also a Reference's display). */
function text(concept: unknown): string | undefined {
  const c = obj(concept);
  if (!c) return undefined;
  if (typeof c.text === 'string') return c.text;
  const coding = codings(c).at(0);
  return coding?.display ?? coding?.code ?? (typeof c.display === 'string' ? c.display : undefined);
}

function instant(v: unknown): Date | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function dateTime(v: unknown): Date | undefined {
  if (typeof v !== 'string' || !/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/.test(v)) return undefined;
  const d = new Date(v.length === 4 ? `${v}-01-01` : v.length === 7 ? `${v}-01` : v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(obj).filter((x): x is Json => !!x) : [];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A stable key for a resource without an id (so the same content is still recorded once). */
function hashish(r: Json): string {
  const s = JSON.stringify(r);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return `h${h.toString(16)}`;
}
