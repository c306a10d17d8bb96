/**
 * Which backend permission a react-admin action on a resource needs. Permissions are
 * `<subject>:<verb>` strings (`contacts:read`, `users:manage`, `audit:export`), the same values
 * the backend's route guards check, so the UI hides what the API would refuse anyway.
 */

export type PermissionVerb = 'read' | 'manage' | 'export';

/** react-admin's built-in actions; anything else is refused unless mapped here. */
const VERB_OF_ACTION: Readonly<Record<string, PermissionVerb>> = {
  list: 'read',
  show: 'read',
  create: 'manage',
  edit: 'manage',
  clone: 'manage',
  delete: 'manage',
  export: 'export',
};

/** Resources whose permission subject is not their route name. */
const SUBJECT_OF_RESOURCE: Readonly<Record<string, string>> = {
  'audit-events': 'audit',
};

export function requiredPermission(resource: string, action: string): string | undefined {
  const verb = VERB_OF_ACTION[action];
  if (!verb) return undefined;
  return `${SUBJECT_OF_RESOURCE[resource] ?? resource}:${verb}`;
}

/** Fails closed: an unknown action, or a permission the user lacks, denies. */
export function canAccess(permissions: readonly string[], resource: string, action: string): boolean {
  const permission = requiredPermission(resource, action);
  return permission !== undefined && permissions.includes(permission);
}
