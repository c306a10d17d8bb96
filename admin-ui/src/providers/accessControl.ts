/**
 * Which backend permission a react-admin action on a resource needs. Permissions are
 * `<subject>:<verb>` strings (`contacts:read`, `users:manage`, `audit:export`), the same values
 * the backend's route guards check, so the UI hides what the API would refuse anyway.
 */

export type PermissionVerb = 'read' | 'manage' | 'export';

/** react-admin's built-in actions; anything else is refused unless mapped here. */
const VERB_OF_ACTION: Readonly<Partial<Record<string, PermissionVerb>>> = {
  list: 'read',
  show: 'read',
  create: 'manage',
  edit: 'manage',
  clone: 'manage',
  delete: 'manage',
  export: 'export',
};

/**
 * Resources whose routes do not follow the generic mapping: each lists every action it
 * supports, with the permission the backend route checks. An action missing here is refused,
 * so react-admin offers no button for an endpoint that does not exist (users cannot be
 * deleted, only disabled; API keys are revoked, never edited; the audit log is read-only).
 */
const RESOURCE_RULES: Readonly<Partial<Record<string, Readonly<Record<string, string>>>>> = {
  users: {
    list: 'users:read',
    show: 'users:read',
    create: 'users:manage',
    edit: 'users:manage',
    unlock: 'users:manage',
    'reset-mfa': 'users:manage',
    'revoke-sessions': 'users:manage',
    disable: 'users:manage',
  },
  'api-keys': {
    list: 'api-keys:read',
    show: 'api-keys:read',
    create: 'api-keys:manage',
    revoke: 'api-keys:manage',
  },
  'audit-events': {
    list: 'audit:read',
    show: 'audit:read',
    verify: 'audit:read',
    export: 'audit:export',
  },
  // Rotating data keys is a system operation: reading its history needs the same permission.
  'key-rotations': {
    list: 'system:manage',
    show: 'system:manage',
    create: 'system:manage',
  },
  // Contacts are never deleted, only erased (PHI removed, the row kept as a tombstone); PHI values
  // are shown only by an audited reveal or a full-record export.
  contacts: {
    list: 'contacts:read',
    show: 'contacts:read',
    create: 'contacts:write',
    edit: 'contacts:write',
    reveal: 'phi:reveal',
    export: 'contacts:export',
    erase: 'contacts:erase',
    consent: 'consent:write',
  },
  // Definitions are archived, never deleted: contacts may still hold values for them.
  attributes: {
    list: 'attributes:read',
    show: 'attributes:read',
    create: 'attributes:manage',
    edit: 'attributes:manage',
  },
  topics: {
    list: 'topics:read',
    show: 'topics:read',
    create: 'topics:manage',
    edit: 'topics:manage',
  },
  // Published texts are immutable: a change is a new version, so there is no edit.
  'authorization-texts': {
    list: 'topics:read',
    show: 'topics:read',
    create: 'topics:manage',
  },
  suppressions: {
    list: 'suppressions:read',
    create: 'suppressions:manage',
    delete: 'suppressions:manage',
  },
  // Segments select contacts, so they follow the contacts permissions; deleting retires a segment (its snapshots stay).
  segments: {
    list: 'contacts:read',
    show: 'contacts:read',
    create: 'contacts:write',
    edit: 'contacts:write',
    delete: 'contacts:write',
    snapshot: 'contacts:write',
  },
  // Published versions are frozen; `edit` saves the draft, `publish` freezes it. Never deleted.
  templates: {
    list: 'templates:read',
    show: 'templates:read',
    create: 'templates:manage',
    edit: 'templates:manage',
    publish: 'templates:manage',
    // Rendering with a real contact's data reveals their PHI (audited).
    'preview-as-contact': 'phi:reveal',
    'test-send': 'templates:manage',
  },
  // Only a draft is edited; approving needs its own permission (and, with four eyes, someone other than the author).
  campaigns: {
    list: 'campaigns:read',
    show: 'campaigns:read',
    create: 'campaigns:manage',
    edit: 'campaigns:manage',
    approve: 'campaigns:approve',
    report: 'reports:read',
  },
  // Publishing freezes a version; archiving (delete) ends running enrollments. The figures are part of the builder.
  journeys: {
    list: 'journeys:read',
    show: 'journeys:read',
    create: 'journeys:manage',
    edit: 'journeys:manage',
    delete: 'journeys:manage',
    publish: 'journeys:manage',
    enroll: 'journeys:manage',
  },
  // The delivery log is read-only; a message's timeline is part of its page.
  deliveries: {
    list: 'delivery:read',
    show: 'delivery:read',
  },
  // Probing only connects (EHLO + STARTTLS, no message) and records what it found: a read.
  'domain-tls': {
    list: 'delivery:read',
    probe: 'delivery:read',
    report: 'delivery:read',
  },
  // A DKIM key is generated with the domain and never changes: no edit (delete and add again).
  'sending-domains': {
    list: 'delivery:read',
    show: 'delivery:read',
    create: 'delivery:manage',
    delete: 'delivery:manage',
  },
  // EHR integration: inbound messages (never their content) and the mapping; outbound webhooks.
  'inbound-messages': {
    list: 'integrations:read',
    show: 'integrations:read',
    reprocess: 'integrations:manage',
  },
  webhooks: {
    list: 'integrations:read',
    show: 'integrations:read',
    create: 'integrations:manage',
    delete: 'integrations:manage',
    rotate: 'integrations:manage',
  },
  'webhook-deliveries': {
    list: 'integrations:read',
    replay: 'integrations:manage',
  },
  // Compliance pages: report views and downloads (each audited by the backend).
  'compliance-reports': { list: 'compliance:read' },
  'access-review': { list: 'compliance:read' },
  'breach-response': { list: 'compliance:read' },
  // Dry runs too: they show what data is held and for how long.
  retention: { list: 'retention:manage' },
  // The BullMQ queue dashboard: reading and every intervention are for administrators.
  queues: {
    list: 'queues:manage',
    retry: 'queues:manage',
    delete: 'queues:manage',
    pause: 'queues:manage',
  },
  // `edit` is the wizard resumed on an uploaded import (mapping, consent, start).
  imports: {
    list: 'imports:read',
    show: 'imports:read',
    create: 'imports:write',
    edit: 'imports:write',
    start: 'imports:write',
    cancel: 'imports:write',
  },
};

export function requiredPermission(resource: string, action: string): string | undefined {
  const rules = RESOURCE_RULES[resource];
  if (rules) return Object.hasOwn(rules, action) ? rules[action] : undefined;
  const verb = VERB_OF_ACTION[action];
  if (!verb) return undefined;
  return `${resource}:${verb}`;
}

/** Fails closed: an unknown action, or a permission the user lacks, denies. */
export function canAccess(permissions: readonly string[], resource: string, action: string): boolean {
  const permission = requiredPermission(resource, action);
  return permission !== undefined && permissions.includes(permission);
}
