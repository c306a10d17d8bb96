import type { FieldProblem } from '../../../platform/errors/index.js';
import type { EhrEventType, EventProperties } from '../events.types.js';

/** How a message names its patient: identifiers (MRN, FHIR logical id), an e-mail, or a reference to a Patient in the same bundle. */
export interface PatientRef {
  identifiers: { system: string; value: string }[];
  email?: string;
  /** A Patient entry of the same bundle (fullUrl or Patient/id), resolved after that entry is applied. */
  localRef?: string;
}

export interface EhrEvent {
  type: EhrEventType;
  occurredAt: Date;
  properties: EventProperties;
  /** Deterministic per fact (message, appointment status, encounter), so a redelivery records nothing twice. */
  key: string;
}

/** One mapped change about one patient: contact fields to set, list edits, a visit, and events. */
export interface EhrChange {
  /** The entry of a bundle (or 0 for a single resource or an HL7 message) this change came from. */
  entry: number;
  /** What the entry was, for results and logs: `Patient`, `Appointment`, `ADT^A01`… */
  label: string;
  patient: PatientRef;
  /** Contact fields in the contacts API's shape (validated by the contacts module). */
  fields: Record<string, unknown>;
  /** Patient data (Patient, PID): may create the contact when it carries an e-mail. Other resources need an existing contact. */
  createIfMissing: boolean;
  /** Keys of localRef this change makes resolvable (a Patient's fullUrl and Patient/id). */
  provides?: string[];
  removeConditions?: { system: string; code: string }[];
  /** The appointment date that was cancelled: the next visit is cleared when it is that date. */
  cancelledVisitDate?: string;
  /** A finished visit: last visit date, and one more visit in 12 months (once per visit event). */
  visit?: { date: string; summary?: string };
  events: EhrEvent[];
}

/** What a parser and mapper made of one inbound message. */
export type MappedMessage =
  | {
      ok: true;
      kind: string;
      changes: EhrChange[];
      warnings: FieldProblem[];
      /** Entries of a batch that were invalid or unmappable on their own (the others still apply). */
      failedEntries: EntryFailure[];
      /** Entries in the message (1 for a single resource or an HL7 message). */
      entries: number;
      /** The trigger or bundle type, for replies (HL7 ACK, FHIR response bundle type). */
      bundleType?: string;
    }
  /** Input that is not valid FHIR or HL7 (rejected: the sender must fix it). */
  | { ok: false; kind: string; status: 'rejected'; reason: string; problems: FieldProblem[]; hl7Code?: string }
  /** Valid input that cannot be mapped with the current mapping (dead letter: fixable here, then reprocessed). */
  | { ok: false; kind: string; status: 'dead_letter'; reason: string; problems: FieldProblem[]; hl7Code?: string };

export interface ChangeOutcome {
  entry: number;
  label: string;
  status: 'applied' | 'failed';
  contactId?: string;
  contactStatus?: 'created' | 'updated' | 'unchanged';
  events: number;
  problems: FieldProblem[];
}

export interface EntryFailure {
  entry: number;
  label: string;
  status: 'rejected' | 'dead_letter';
  problems: FieldProblem[];
}
