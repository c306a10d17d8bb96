/** Where a contact event came from. */
export const EVENT_SOURCES = ['api', 'fhir', 'hl7'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** Event types produced by the EHR mappings. The events API accepts any type matching EVENT_TYPE_PATTERN. */
export const EHR_EVENT_TYPES = [
  'patient.admitted',
  'patient.registered',
  'patient.discharged',
  'patient.updated',
  'appointment.booked',
  'appointment.rescheduled',
  'appointment.cancelled',
  'appointment.noshow',
  'appointment.fulfilled',
  'condition.recorded',
  'coverage.updated',
] as const;
export type EhrEventType = (typeof EHR_EVENT_TYPES)[number];

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

export type EventProperties = Record<string, string | number | boolean | null>;

/** One event about a contact. Properties may hold PHI (a service type, a diagnosis): stored encrypted. */
export interface ContactEventInput {
  contactId: string;
  type: string;
  occurredAt: Date;
  properties?: EventProperties;
  source: EventSource;
  /** A retried delivery with the same key creates nothing: the first event's id is returned as a duplicate. */
  idempotencyKey?: string | null;
  inboundMessageId?: string | null;
}

export interface RecordedEvent {
  id: string;
  status: 'created' | 'duplicate';
}

/** An event as consumers read it back (journeys, reports). Properties are decrypted on request only. */
export interface StoredContactEvent {
  id: string;
  contactId: string;
  type: string;
  occurredAt: string;
  source: EventSource;
  recordedAt: string;
}
