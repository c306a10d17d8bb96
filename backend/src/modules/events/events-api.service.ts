import { Injectable } from '@nestjs/common';
import { DomainError, type FieldProblem } from '../../platform/errors/index.js';
import type { AuditActor } from '../audit/index.js';
import { AuditService } from '../audit/index.js';
import { ContactsService } from '../contacts/index.js';
import { EventsService } from './events.service.js';
import { EVENT_TYPE_PATTERN, type EventProperties } from './events.types.js';

export const EVENTS_MAX = 1000;
const MAX_PROPERTIES = 50;
const MAX_PROPERTIES_BYTES = 8192;

export type EventResult = { index: number; status: 'accepted' | 'duplicate'; id: string } | { index: number; status: 'error'; errors: FieldProblem[] };

interface ValidEvent {
  index: number;
  contactKey: string;
  contact: { email?: string; identifier?: { system: string; value: string } };
  type: string;
  occurredAt: Date;
  properties: EventProperties;
  idempotencyKey: string;
}

/**
 * The events API: up to 1,000 events per call, each naming its contact by e-mail or external identifier. Each event
 * gets its own result; a bad one never fails the others. Problems name the field and rule, never the value.
 */
@Injectable()
export class EventsApiService {
  constructor(
    private readonly events: EventsService,
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
  ) {}

  async ingest(body: unknown, batchKey: string | undefined, actor: AuditActor): Promise<{ results: EventResult[]; summary: Record<string, number> }> {
    const list = Array.isArray((body as { events?: unknown } | null)?.events) ? (body as { events: unknown[] }).events : body ? [body] : [];
    if (list.length === 0 || (typeof body === 'object' && body !== null && 'events' in body && !Array.isArray(body.events)))
      throw new DomainError('validation', 'events must be a non-empty list', 400, [{ field: 'events', message: 'must be a non-empty list' }]);
    if (list.length > EVENTS_MAX)
      throw new DomainError('validation', `at most ${EVENTS_MAX} events per call`, 400, [{ field: 'events', message: `at most ${EVENTS_MAX}` }]);
    if (batchKey !== undefined && (batchKey.length < 8 || batchKey.length > 200))
      throw new DomainError('validation', 'Idempotency-Key must have 8 to 200 characters', 400, [
        { field: 'Idempotency-Key', message: 'must have 8 to 200 characters' },
      ]);
    const results: EventResult[] = [];
    const valid: ValidEvent[] = [];
    list.forEach((raw, index) => {
      const checked = validateEvent(raw, index, batchKey);
      if ('errors' in checked) results.push({ index, status: 'error', errors: checked.errors });
      else valid.push(checked);
    });

    // One look-up per distinct contact.
    const contactIds = new Map<string, string | null>();
    await Promise.all(
      [...new Map(valid.map((v) => [v.contactKey, v.contact])).entries()].map(async ([key, by]) => {
        try {
          contactIds.set(key, (await this.contacts.lookup(by)).id);
        } catch (err) {
          if (err instanceof DomainError && err.code === 'contact_not_found') contactIds.set(key, null);
          else throw err;
        }
      }),
    );
    const ready = valid.filter((v) => {
      if (contactIds.get(v.contactKey)) return true;
      results.push({ index: v.index, status: 'error', errors: [{ field: `events[${v.index}].contact`, message: 'no contact matches' }] });
      return false;
    });
    const recorded = await this.events.record(
      ready.map((v) => ({
        contactId: contactIds.get(v.contactKey) as string,
        type: v.type,
        occurredAt: v.occurredAt,
        properties: v.properties,
        source: 'api' as const,
        idempotencyKey: `api:${v.idempotencyKey}`,
      })),
    );
    ready.forEach((v, i) => results.push({ index: v.index, status: recorded[i].status === 'created' ? 'accepted' : 'duplicate', id: recorded[i].id }));
    results.sort((a, b) => a.index - b.index);
    const summary = { accepted: 0, duplicate: 0, error: 0 };
    for (const r of results) summary[r.status]++;
    await this.audit.record({ actor, action: 'events.ingested', details: summary });
    return { results, summary };
  }
}

function validateEvent(raw: unknown, index: number, batchKey: string | undefined): ValidEvent | { errors: FieldProblem[] } {
  const at = (f: string) => `events[${index}].${f}`;
  const errors: FieldProblem[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { errors: [{ field: `events[${index}]`, message: 'must be an object' }] };
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!['type', 'contact', 'occurredAt', 'properties', 'idempotencyKey'].includes(key)) errors.push({ field: at(key), message: 'unknown field' });
  const type = typeof o.type === 'string' ? o.type.trim() : '';
  if (!type) errors.push({ field: at('type'), message: 'required' });
  else if (!EVENT_TYPE_PATTERN.test(type))
    errors.push({ field: at('type'), message: 'must be lower-case letters, digits, . _ or -, starting with a letter (at most 64)' });

  let contact: ValidEvent['contact'] = {};
  let contactKey = '';
  const c = (typeof o.contact === 'object' && o.contact !== null && !Array.isArray(o.contact) ? o.contact : undefined) as Record<string, unknown> | undefined;
  if (!c) errors.push({ field: at('contact'), message: 'required: { email } or { identifier: { system, value } }' });
  else if (typeof c.email === 'string' && c.email.trim()) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c.email.trim())) errors.push({ field: at('contact.email'), message: 'not a valid e-mail address' });
    contact = { email: c.email.trim() };
    contactKey = `e:${c.email.trim().toLowerCase()}`;
  } else if (typeof c.identifier === 'object' && c.identifier !== null) {
    const id = c.identifier as Record<string, unknown>;
    const system = typeof id.system === 'string' ? id.system.trim() : '';
    const value = typeof id.value === 'string' || typeof id.value === 'number' ? String(id.value).trim() : '';
    if (!system) errors.push({ field: at('contact.identifier.system'), message: 'required' });
    if (!value) errors.push({ field: at('contact.identifier.value'), message: 'required' });
    contact = { identifier: { system, value } };
    contactKey = `i:${system.toLowerCase()}|${value}`;
  } else errors.push({ field: at('contact'), message: 'required: { email } or { identifier: { system, value } }' });

  let occurredAt = new Date();
  if (o.occurredAt !== undefined) {
    const d = typeof o.occurredAt === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(o.occurredAt) ? new Date(o.occurredAt) : undefined;
    if (!d || Number.isNaN(d.getTime())) errors.push({ field: at('occurredAt'), message: 'must be an ISO 8601 date-time' });
    else if (d.getTime() > Date.now() + 24 * 3600_000) errors.push({ field: at('occurredAt'), message: 'must not be more than a day in the future' });
    else occurredAt = d;
  }

  const properties: EventProperties = {};
  if (o.properties !== undefined && o.properties !== null) {
    if (typeof o.properties !== 'object' || Array.isArray(o.properties)) errors.push({ field: at('properties'), message: 'must be an object' });
    else {
      const entries = Object.entries(o.properties as Record<string, unknown>);
      if (entries.length > MAX_PROPERTIES) errors.push({ field: at('properties'), message: `at most ${MAX_PROPERTIES} properties` });
      for (const [k, v] of entries) {
        if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(k))
          errors.push({ field: at(`properties.${k.slice(0, 64)}`), message: 'property names are letters, digits, . _ or -' });
        else if (v !== null && !['string', 'number', 'boolean'].includes(typeof v))
          errors.push({ field: at(`properties.${k}`), message: 'must be a string, number, boolean or null' });
        else properties[k] = v as string | number | boolean | null;
      }
      if (Buffer.byteLength(JSON.stringify(properties)) > MAX_PROPERTIES_BYTES)
        errors.push({ field: at('properties'), message: `at most ${MAX_PROPERTIES_BYTES} bytes` });
    }
  }

  let idempotencyKey = '';
  if (o.idempotencyKey !== undefined) {
    if (typeof o.idempotencyKey !== 'string' || o.idempotencyKey.length < 1 || o.idempotencyKey.length > 200)
      errors.push({ field: at('idempotencyKey'), message: 'must be text of 1 to 200 characters' });
    else idempotencyKey = `k:${o.idempotencyKey}`;
  } else if (batchKey) idempotencyKey = `b:${batchKey}:${index}`;
  else errors.push({ field: at('idempotencyKey'), message: 'required (or an Idempotency-Key header for the whole batch)' });

  if (errors.length) return { errors };
  return { index, contact, contactKey, type, occurredAt, properties, idempotencyKey };
}
