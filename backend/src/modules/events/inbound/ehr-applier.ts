import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError, type FieldProblem } from '../../../platform/errors/index.js';
import type { AuditActor } from '../../audit/index.js';
import { ConsentService, TopicsService } from '../../consent/index.js';
import { ContactsService, type ContactPhi, validateContact } from '../../contacts/index.js';
import { EventsService } from '../events.service.js';
import type { ChangeOutcome, EhrChange } from './ehr-change.js';
import type { EhrFieldGroup, EhrMapping } from './ehr-mapping.service.js';

const GROUP_FIELDS: Record<EhrFieldGroup, string[]> = {
  demographics: ['firstName', 'lastName', 'birthDate', 'sex', 'phone', 'postalCode', 'state'],
  conditions: ['conditions'],
  insurance: ['insuranceStatus', 'insurancePlan'],
  visits: ['lastVisitDate', 'nextVisitDate', 'visitCount12m', 'visitSummary'],
  provider: ['primaryProvider'],
};
const ALWAYS = ['email', 'identifiers'];
const NO_DEFINITIONS = new Map();
const PLACEHOLDER_EMAIL = 'placeholder@example.invalid';

interface Work {
  message: number;
  change: EhrChange;
  outcome: ChangeOutcome;
  contactId?: string;
}

/**
 * Applies mapped EHR changes for a batch of messages through the contacts module (bulk upserts: one transaction and
 * one audit entry per batch, not per message) and records their events. Each change gets its own outcome: a patient
 * that cannot be found or created fails that change, not the batch.
 */
@Injectable()
export class EhrApplier {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly contacts: ContactsService,
    private readonly events: EventsService,
    private readonly consent: ConsentService,
    private readonly topics: TopicsService,
  ) {}

  async apply(
    messages: { changes: EhrChange[]; inboundMessageId: string | null }[],
    mapping: EhrMapping,
    actor: AuditActor,
    source: 'fhir' | 'hl7',
  ): Promise<ChangeOutcome[][]> {
    const allowed = new Set([...ALWAYS, ...mapping.fields.flatMap((g) => GROUP_FIELDS[g])]);
    const work: Work[] = messages.flatMap((m, message) =>
      m.changes.map((change) => {
        const { fields, warnings } = sanitize(change.fields, allowed);
        return {
          message,
          change: { ...change, fields },
          outcome: { entry: change.entry, label: change.label, status: 'applied' as const, events: 0, problems: warnings },
        };
      }),
    );
    const lookups = new Map<string, Promise<string | null>>();
    const find = (by: { email?: string; identifier?: { system: string; value: string } }) => {
      const key = by.email ? `e:${by.email.toLowerCase()}` : `i:${by.identifier?.system.toLowerCase()}|${by.identifier?.value}`;
      let found = lookups.get(key);
      if (!found) {
        found = this.contacts.lookup(by).then(
          (c) => c.id,
          (err: unknown) => {
            if (err instanceof DomainError && err.code === 'contact_not_found') return null;
            throw err;
          },
        );
        lookups.set(key, found);
      }
      return found;
    };
    const byIdentifiers = async (ref: EhrChange['patient']): Promise<string | null> => {
      for (const identifier of ref.identifiers) {
        const id = await find({ identifier });
        if (id) return id;
      }
      return null;
    };

    // 1. Patient data: create or update contacts (matched by e-mail in the bulk write, else by identifiers).
    const patients = work.filter((w) => w.change.createIfMissing);
    const emailless = patients.filter((w) => !w.change.fields.email);
    await Promise.all(emailless.map(async (w) => (w.contactId = (await byIdentifiers(w.change.patient)) ?? undefined)));
    const storedEmail = await this.emails(emailless.flatMap((w) => (w.contactId ? [w.contactId] : [])));
    for (const w of emailless) {
      const email = w.contactId ? storedEmail.get(w.contactId)?.email : undefined;
      if (email) w.change.fields.email = email;
      else fail(w, 'patient', 'has no e-mail address and matches no contact by its identifiers');
    }
    const createdIds = new Set<string>();
    const toWrite = patients.filter((w) => w.outcome.status === 'applied');
    if (toWrite.length) {
      const { results } = await this.contacts.bulkUpsert(
        toWrite.map((w) => w.change.fields),
        'update',
        actor,
      );
      const conflicts: Work[] = [];
      results.forEach((r, i) => {
        const w = toWrite[i];
        if (r.status === 'error') {
          if (r.errors.some((e) => e.field === 'identifiers' && /another contact/.test(e.message))) conflicts.push(w);
          else for (const e of r.errors) fail(w, e.field, e.message);
        } else if (r.status === 'skipped') fail(w, 'patient', 'was skipped by the contacts module');
        else {
          w.contactId = r.id;
          w.outcome.contactStatus = r.status;
          if (r.status === 'created') createdIds.add(r.id);
        }
      });
      // The patient's e-mail changed: the contact is found by its MRN and updated (new e-mail included).
      for (const w of conflicts) {
        const id = await byIdentifiers(w.change.patient);
        if (!id) {
          fail(w, 'identifiers', 'belong to another contact');
          continue;
        }
        try {
          await this.contacts.update(id, w.change.fields, actor);
          w.contactId = id;
          w.outcome.contactStatus = 'updated';
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          for (const p of err.fields ?? [{ field: 'patient', message: err.message }]) fail(w, p.field, p.message);
        }
      }
      if (mapping.consentTopic && createdIds.size) {
        const topic = await this.topics.byKey(mapping.consentTopic);
        await this.dataSource.transaction((tx) =>
          this.consent.recordForNewContacts(
            tx,
            [...createdIds].map((contactId) => ({
              contactId,
              topicId: topic.id,
              status: 'confirmed' as const,
              method: 'ehr' as const,
              source: `ehr:${source}`,
              actor: { type: actor.type, id: actor.id ?? null },
            })),
          ),
        );
      }
    }
    const provided = new Map<string, string>();
    for (const w of patients) if (w.contactId) for (const key of w.change.provides ?? []) provided.set(`${w.message}:${key}`, w.contactId);

    // 2. Everything else needs an existing contact.
    const others = work.filter((w) => !w.change.createIfMissing);
    await Promise.all(
      others.map(async (w) => {
        const ref = w.change.patient;
        const local = ref.localRef ? provided.get(`${w.message}:${ref.localRef}`) : undefined;
        w.contactId = local ?? (await byIdentifiers(ref)) ?? (ref.email ? await find({ email: ref.email }) : null) ?? undefined;
        if (!w.contactId) fail(w, 'patient', 'no contact matches the patient reference (send the Patient first, or fix the MRN system in the mapping)');
      }),
    );

    // 3. Events (idempotent), then what depends on them being new.
    const live = work.filter((w) => w.outcome.status === 'applied' && w.contactId);
    const enabled = new Set(mapping.eventTypes);
    const eventRows = live.flatMap((w) => w.change.events.filter((e) => enabled.has(e.type)).map((e) => ({ w, e })));
    const recorded = await this.events.record(
      eventRows.map(({ w, e }) => ({
        contactId: w.contactId as string,
        type: e.type,
        occurredAt: e.occurredAt,
        properties: e.properties,
        source,
        idempotencyKey: `${source}:${e.key}`,
        inboundMessageId: messages[w.message].inboundMessageId,
      })),
    );
    const freshVisit = new Set<Work>();
    eventRows.forEach(({ w }, i) => {
      if (recorded[i].status === 'created') {
        w.outcome.events++;
        freshVisit.add(w);
      }
    });

    // 4. Field updates of non-patient changes, and visits, as one bulk write keyed by the stored e-mail.
    const visitsOn = mapping.fields.includes('visits');
    const touched = live.filter(
      (w) =>
        (!w.change.createIfMissing && Object.keys(w.change.fields).length > 0) ||
        !!w.change.removeConditions?.length ||
        !!w.change.cancelledVisitDate ||
        !!w.change.visit,
    );
    const stored = await this.emails([...new Set([...touched, ...live.filter((w) => w.change.visit)].map((w) => w.contactId as string))]);
    const perContact = new Map<string, { fields: Record<string, unknown>; works: Work[]; visits: number; lastVisit?: string; summary?: string }>();
    for (const w of live) {
      const id = w.contactId as string;
      const isTouched = touched.includes(w);
      const visit = visitsOn && w.change.visit && (freshVisit.has(w) || !w.change.events.some((e) => enabled.has(e.type))) ? w.change.visit : undefined;
      if (!isTouched && !visit) continue;
      const entry = perContact.get(id) ?? { fields: {}, works: [], visits: 0 };
      if (isTouched && !w.change.createIfMissing) Object.assign(entry.fields, w.change.fields);
      if (visit) {
        entry.visits++;
        if (!entry.lastVisit || visit.date > entry.lastVisit) entry.lastVisit = visit.date;
        if (visit.summary) entry.summary = visit.summary;
      }
      entry.works.push(w);
      perContact.set(id, entry);
    }
    const slow: { id: string; patch: Record<string, unknown>; works: Work[] }[] = [];
    const bulk: { id: string; item: Record<string, unknown>; works: Work[] }[] = [];
    for (const [id, entry] of perContact) {
      const phi = stored.get(id);
      if (!phi) {
        for (const w of entry.works) fail(w, 'patient', 'the contact was erased');
        continue;
      }
      const item: Record<string, unknown> = { ...entry.fields };
      if (entry.visits) {
        const last = !phi.lastVisitDate || (entry.lastVisit ?? '') > phi.lastVisitDate ? entry.lastVisit : phi.lastVisitDate;
        item.lastVisitDate = last;
        item.visitCount12m = (phi.visitCount12m ?? 0) + entry.visits;
        if (entry.summary) item.visitSummary = entry.summary;
      }
      const removals = entry.works.flatMap((w) => w.change.removeConditions ?? []);
      const cancelled = entry.works.map((w) => w.change.cancelledVisitDate).filter((d): d is string => !!d);
      const patch: Record<string, unknown> = {};
      if (removals.length && phi.conditions?.length) {
        const gone = new Set(removals.map((c) => `${c.system}|${c.code.toUpperCase()}`));
        const kept = phi.conditions.filter((c) => !gone.has(`${c.system}|${c.code.toUpperCase()}`));
        if (kept.length !== phi.conditions.length) patch.conditions = kept;
      }
      if (cancelled.length && phi.nextVisitDate && cancelled.includes(phi.nextVisitDate) && !item.nextVisitDate) patch.nextVisitDate = '';
      if (Object.keys(patch).length) slow.push({ id, patch: { ...item, ...patch }, works: entry.works });
      else if (Object.keys(item).length) bulk.push({ id, item: { ...item, email: phi.email }, works: entry.works });
    }
    if (bulk.length) {
      const { results } = await this.contacts.bulkUpsert(
        bulk.map((b) => b.item),
        'update',
        actor,
      );
      results.forEach((r, i) => {
        if (r.status === 'error') for (const w of bulk[i].works) for (const e of r.errors) fail(w, e.field, e.message);
        else for (const w of bulk[i].works) w.outcome.contactStatus ??= r.status === 'skipped' ? 'unchanged' : r.status;
      });
    }
    for (const s of slow) {
      try {
        await this.contacts.update(s.id, s.patch, actor);
        for (const w of s.works) w.outcome.contactStatus ??= 'updated';
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        for (const w of s.works) for (const p of err.fields ?? [{ field: 'patient', message: err.message }]) fail(w, p.field, p.message);
      }
    }
    for (const w of work) {
      w.outcome.contactId = w.contactId;
      w.outcome.contactStatus ??= w.outcome.status === 'applied' ? 'unchanged' : undefined;
    }
    return messages.map((_, m) => work.filter((w) => w.message === m).map((w) => w.outcome));
  }

  private async emails(ids: string[]): Promise<Map<string, ContactPhi>> {
    const out = new Map<string, ContactPhi>();
    if (!ids.length) return out;
    const records = await this.contacts.phiForProcessingMany(ids);
    for (const [id, r] of records) out.set(id, r.phi);
    return out;
  }
}

function fail(w: Work, field: string, message: string) {
  w.outcome.status = 'failed';
  w.outcome.problems.push({ field, message });
}

/**
 * Keeps the fields the mapping allows and that are valid; an invalid optional value (a non-US postal code, a phone
 * number in a foreign format) is left out with a warning instead of failing the patient.
 */
function sanitize(fields: Record<string, unknown>, allowed: Set<string>): { fields: Record<string, unknown>; warnings: FieldProblem[] } {
  let kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (allowed.has(k) && v !== undefined) kept[k] = v;
  const warnings: FieldProblem[] = [];
  for (let round = 0; round < 3; round++) {
    const { problems } = validateContact({ ...kept, email: kept.email ?? PLACEHOLDER_EMAIL }, NO_DEFINITIONS);
    if (!problems.length) break;
    for (const p of problems) {
      const top = p.field.split(/[.[]/)[0];
      if (top in kept) {
        kept = Object.fromEntries(Object.entries(kept).filter(([k]) => k !== top));
        warnings.push({ field: top, message: `left out: ${p.message}` });
      }
    }
  }
  return { fields: kept, warnings };
}
