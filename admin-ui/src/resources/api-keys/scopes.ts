/**
 * The permissions an API key may carry. The backend allows only these (integrations act on
 * data, never on users, keys or the audit trail) and names the field if anything else is sent.
 */
export const API_KEY_SCOPES = [{ id: 'dashboard:read', name: 'Read the dashboard (dashboard:read)' }] as const;

export const scopeLabel = (scope: string): string => scope;
