/**
 * Every audit action that records an access to PHI, with what kind of access it is. The PHI-access and
 * breach-response reports list exactly these. A module that adds a way to read, write or export PHI adds
 * its audit action here.
 */
export const PHI_ACCESS_ACTIONS = {
  /** A contact's record revealed, a template previewed with a real contact (outcome `denied` when refused), or a contact printed in a compliance report. */
  'phi.revealed': 'view',
  /** The first rows of an uploaded CSV shown to the uploader. */
  'phi.previewed': 'view',
  /** A contact's full record exported. */
  'phi.exported': 'export',
  /** A compliance report download; only those whose details say `containsPhi` count (each contact printed is a `phi.revealed` beside it). */
  'report.downloaded': 'export',
  'import.uploaded': 'import',
  'events.ingested': 'import',
  'inbound.reprocessed': 'import',
  'contacts.bulk-upsert': 'write',
  'contact.created': 'write',
  'contact.updated': 'write',
  'contact.erased': 'erasure',
} as const satisfies Record<string, 'view' | 'export' | 'import' | 'write' | 'erasure'>;

export type PhiAccessAction = keyof typeof PHI_ACCESS_ACTIONS;

export const PHI_ACCESS_ACTION_NAMES = Object.keys(PHI_ACCESS_ACTIONS) as PhiAccessAction[];
