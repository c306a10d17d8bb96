import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError, type FieldProblem } from '../../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../../audit/index.js';
import { TopicsService } from '../../consent/index.js';
import { EHR_EVENT_TYPES, type EhrEventType } from '../events.types.js';

/** The contact fields an EHR mapping may set, by group. */
export const EHR_FIELD_GROUPS = ['demographics', 'conditions', 'insurance', 'visits', 'provider'] as const;
export type EhrFieldGroup = (typeof EHR_FIELD_GROUPS)[number];

/** How EHR data becomes contacts and events. Stored in ehr_mapping (one row), edited through the API and the admin UI. */
export interface EhrMapping {
  /**
   * The identifier system that is the medical record number: a FHIR Identifier.system, or an HL7 PID-3 assigning
   * authority. Null: any identifier typed MR is the MRN. When set, a patient without an identifier of this system
   * cannot be mapped (dead letter), since the MRN is what links the EHR's messages to one contact.
   */
  mrnSystem: string | null;
  /** Event types produced; the others are not recorded (the contact is still updated). */
  eventTypes: EhrEventType[];
  /** Contact fields set from EHR data. */
  fields: EhrFieldGroup[];
  /** When set, a contact first created from EHR data gets confirmed consent for this topic (method `ehr`): only for feeds of patients who consented at intake. */
  consentTopic: string | null;
  /** FHIR server base URL to fetch resources named by id-only subscription notifications (https, or http on loopback). */
  fhirServerUrl: string | null;
}

export const DEFAULT_MAPPING: EhrMapping = {
  mrnSystem: null,
  eventTypes: [...EHR_EVENT_TYPES],
  fields: [...EHR_FIELD_GROUPS],
  consentTopic: null,
  fhirServerUrl: null,
};

export interface EhrMappingView extends EhrMapping {
  version: number;
  updatedAt: string | null;
}

@Injectable()
export class EhrMappingService {
  private cached?: { mapping: EhrMappingView; at: number };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topics: TopicsService,
    private readonly audit: AuditService,
  ) {}

  /** The current mapping (cached for a second: it is read for every inbound message). */
  async current(): Promise<EhrMappingView> {
    if (this.cached && Date.now() - this.cached.at < 1000) return this.cached.mapping;
    const [row] = await this.dataSource.query<[{ config: Partial<EhrMapping>; version: number; updated_at: Date }?]>(
      `SELECT config, version, updated_at FROM ehr_mapping WHERE id = 1`,
    );
    const mapping = { ...DEFAULT_MAPPING, ...(row?.config ?? {}), version: row?.version ?? 0, updatedAt: row?.updated_at.toISOString() ?? null };
    this.cached = { mapping, at: Date.now() };
    return mapping;
  }

  async update(patch: Record<string, unknown>, actor: AuditActor): Promise<EhrMappingView> {
    const current = await this.current();
    const { version: _v, updatedAt: _u, ...base } = current;
    const next: EhrMapping = { ...base };
    const problems: FieldProblem[] = [];
    for (const key of Object.keys(patch)) if (!(key in DEFAULT_MAPPING)) problems.push({ field: key, message: 'unknown field' });
    if ('mrnSystem' in patch) {
      const v = patch.mrnSystem;
      if (v !== null && (typeof v !== 'string' || !v.trim() || v.length > 200))
        problems.push({ field: 'mrnSystem', message: 'must be null or text of at most 200 characters' });
      else next.mrnSystem = v === null ? null : v.trim();
    }
    if ('eventTypes' in patch) {
      const v = patch.eventTypes;
      if (!Array.isArray(v) || v.some((t) => !(EHR_EVENT_TYPES as readonly unknown[]).includes(t)))
        problems.push({ field: 'eventTypes', message: `must be a list of ${EHR_EVENT_TYPES.join(', ')}` });
      else next.eventTypes = [...new Set(v as EhrEventType[])];
    }
    if ('fields' in patch) {
      const v = patch.fields;
      if (!Array.isArray(v) || v.some((t) => !(EHR_FIELD_GROUPS as readonly unknown[]).includes(t)))
        problems.push({ field: 'fields', message: `must be a list of ${EHR_FIELD_GROUPS.join(', ')}` });
      else next.fields = [...new Set(v as EhrFieldGroup[])];
    }
    if ('consentTopic' in patch) {
      const v = patch.consentTopic;
      if (v === null) next.consentTopic = null;
      else if (typeof v !== 'string' || !(await this.topics.byKey(v).catch(() => undefined)))
        problems.push({ field: 'consentTopic', message: 'must be null or the key of a topic' });
      else next.consentTopic = v;
    }
    if ('fhirServerUrl' in patch) {
      const v = patch.fhirServerUrl;
      if (v === null) next.fhirServerUrl = null;
      else if (typeof v !== 'string' || !allowedUrl(v))
        problems.push({ field: 'fhirServerUrl', message: 'must be an https:// URL (http:// only on loopback)' });
      else next.fhirServerUrl = v.replace(/\/+$/, '');
    }
    if (problems.length) throw new DomainError('validation', problems.map((p) => `${p.field}: ${p.message}`).join('; '), 400, problems);
    await this.dataSource.query(
      `INSERT INTO ehr_mapping (id, config, version, updated_at, updated_by) VALUES (1, $1, 1, now(), $2)
       ON CONFLICT (id) DO UPDATE SET config = $1, version = ehr_mapping.version + 1, updated_at = now(), updated_by = $2`,
      [JSON.stringify(next), actor.id ?? actor.type],
    );
    this.cached = undefined;
    await this.audit.record({ actor, action: 'ehr-mapping.updated', details: { fields: Object.keys(patch) } });
    return this.current();
  }
}

/** HTTPS anywhere; plain HTTP only to the loopback interface (local tests and sidecars). */
export function allowedUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}
