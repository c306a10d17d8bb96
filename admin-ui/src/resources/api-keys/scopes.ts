/**
 * The permissions an API key may carry, as the backend allows them (its `API_KEY_SCOPES`):
 * integrations act on data, never on users, keys or the audit trail. Anything else is refused
 * with a 400 that names the `scopes` field.
 */
export const API_KEY_SCOPES: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'dashboard:read', name: 'Read the dashboard (dashboard:read)' },
  { id: 'contacts:read', name: 'Read contacts (contacts:read)' },
  { id: 'contacts:write', name: 'Create and update contacts (contacts:write)' },
  { id: 'consent:write', name: 'Record consent (consent:write)' },
  { id: 'topics:read', name: 'Read topics (topics:read)' },
  { id: 'attributes:read', name: 'Read contact attributes (attributes:read)' },
  { id: 'imports:read', name: 'Read imports (imports:read)' },
  { id: 'imports:write', name: 'Run imports (imports:write)' },
  { id: 'events:write', name: 'Send events, FHIR resources and HL7 v2 messages (events:write)' },
];
