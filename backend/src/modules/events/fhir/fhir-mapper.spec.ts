import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING } from '../inbound/ehr-mapping.service.js';
import { FHIR_PATIENT_ID_SYSTEM, insuranceStatus, mapFhir, parseFhirJson } from './fhir-mapper.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/fhir', `${name}.json`), 'utf8')) as Record<string, unknown>;

describe('FHIR R4 mapping', () => {
  it('maps the official Patient example: MRN by type MR, FHIR id, official name, no e-mail', async () => {
    const mapped = await mapFhir(fixture('patient-example'), DEFAULT_MAPPING, null);
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    const [change] = mapped.changes;
    expect(change.fields).toMatchObject({
      firstName: 'Peter',
      lastName: 'Chalmers',
      birthDate: '1974-12-25',
      sex: 'male',
      phone: '(03) 3410 5613',
      postalCode: '3999',
    });
    expect(change.fields.email).toBeUndefined();
    expect(change.fields.identifiers).toEqual([
      { kind: 'mrn', system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' },
      { kind: 'patient', system: FHIR_PATIENT_ID_SYSTEM, value: 'example' },
    ]);
    expect(change.provides).toEqual(['Patient/example']);
  });

  it('needs an identifier of the configured MRN system (a dead letter otherwise)', async () => {
    const mapped = await mapFhir(fixture('patient-example'), { ...DEFAULT_MAPPING, mrnSystem: 'urn:other' }, null);
    expect(mapped).toMatchObject({ ok: false, status: 'dead_letter' });
  });

  it('maps appointments, encounters, conditions and coverage to events and contact fields', async () => {
    const appointment = await mapFhir(fixture('appointment-example'), DEFAULT_MAPPING, null);
    expect(appointment.ok && appointment.changes[0]).toMatchObject({
      patient: { identifiers: [{ system: FHIR_PATIENT_ID_SYSTEM, value: 'example' }], localRef: 'Patient/example' },
      events: [{ type: 'appointment.booked', properties: { serviceType: 'General Discussion', start: '2013-12-10T09:00:00.000Z' } }],
      fields: {},
    });
    const home = await mapFhir(fixture('encounter-example-home'), DEFAULT_MAPPING, null);
    expect(home.ok && home.changes[0]).toMatchObject({ visit: { date: '2015-01-17' }, events: [{ type: 'patient.discharged' }] });
    const condition = await mapFhir(fixture('condition-example'), DEFAULT_MAPPING, null);
    expect(condition.ok && condition.changes[0].fields).toEqual({ conditions: [{ system: 'SNOMED-CT', code: '39065001', display: 'Burn of ear' }] });
    const resolved = fixture('condition-example');
    resolved.clinicalStatus = { coding: [{ code: 'resolved' }] };
    const removed = await mapFhir(resolved, DEFAULT_MAPPING, null);
    expect(removed.ok && removed.changes[0]).toMatchObject({ fields: {}, removeConditions: [{ system: 'SNOMED-CT', code: '39065001' }] });
    const coverage = await mapFhir(fixture('coverage-example'), DEFAULT_MAPPING, null);
    expect(coverage.ok && coverage.changes[0].fields).toEqual({
      insuranceStatus: 'commercial',
      insurancePlan: 'Full Coverage: Medical, Dental, Pharmacy, Vision, EHC',
    });
  });

  it('names the element of invalid input, and refuses what it does not handle', async () => {
    expect(parseFhirJson(Buffer.from('{"resourceType":'))).toMatchObject({ code: 'structure' });
    expect(parseFhirJson(Buffer.from('[1]'))).toMatchObject({ code: 'structure' });
    expect(await mapFhir({ resourceType: 'Appointment', participant: [{}] }, DEFAULT_MAPPING, null)).toMatchObject({
      ok: false,
      status: 'rejected',
      problems: [{ field: 'Appointment.status', message: 'required' }],
    });
    expect(
      await mapFhir({ resourceType: 'Appointment', status: 'booked', participant: [{ actor: { reference: 'Patient/1' } }] }, DEFAULT_MAPPING, null),
    ).toMatchObject({
      ok: false,
      problems: [{ field: 'Appointment.start' }],
    });
    expect(await mapFhir({ resourceType: 'Condition', subject: { reference: 'Group/1' }, code: { coding: [] } }, DEFAULT_MAPPING, null)).toMatchObject({
      ok: false,
      problems: [{ field: 'Condition.subject', message: 'must reference a Patient' }],
    });
    expect(await mapFhir({ resourceType: 'Observation' }, DEFAULT_MAPPING, null)).toMatchObject({ ok: false, hl7Code: 'not-supported' });
    expect(await mapFhir(fixture('patient-example'), DEFAULT_MAPPING, null, 'Appointment')).toMatchObject({ ok: false, problems: [{ field: 'resourceType' }] });
  });

  it('reads id-only notifications through the fetcher, and dead-letters them without one', async () => {
    const idOnly = fixture('subscription-notification-id-only');
    expect(await mapFhir(idOnly, DEFAULT_MAPPING, null)).toMatchObject({ ok: true, changes: [], failedEntries: [{ entry: 1, status: 'dead_letter' }] });
    const encounter = (fixture('subscription-notification-full-resource') as { entry: { resource: Record<string, unknown> }[] }).entry[1].resource;
    const fetched: string[] = [];
    const mapped = await mapFhir(idOnly, DEFAULT_MAPPING, (ref) => {
      fetched.push(ref);
      return Promise.resolve(encounter);
    });
    expect(fetched).toEqual(['https://example.org/fhir/r4/Encounter/86009987-eabe-42bf-8c02-b112b18cb616']);
    expect(mapped.ok && mapped.changes[0].events[0].type).toBe('patient.discharged');
  });

  it('reads insurance status from the payer typology, the coverage type or the names', () => {
    expect(insuranceStatus([{ system: 'https://nahdo.org/sopt', code: '121' }], '')).toBe('medicare');
    expect(insuranceStatus([{ system: 'https://nahdo.org/sopt', code: '2' }], '')).toBe('medicaid');
    expect(insuranceStatus([], 'TRICARE Prime')).toBe('tricare');
    expect(insuranceStatus([{ code: 'PPO' }], 'Acme Gold')).toBe('commercial');
    expect(insuranceStatus([], 'Something')).toBe('other');
  });
});
