/** Every permission a route can require. Roles are sets of these (see roles.ts). */
export enum Permission {
  DashboardRead = 'dashboard:read',
  UsersRead = 'users:read',
  UsersManage = 'users:manage',
  ApiKeysRead = 'api-keys:read',
  ApiKeysManage = 'api-keys:manage',
  AuditRead = 'audit:read',
  AuditExport = 'audit:export',
  SystemManage = 'system:manage',
}

export enum Role {
  Admin = 'admin',
  Marketer = 'marketer',
  ComplianceOfficer = 'compliance_officer',
  Analyst = 'analyst',
}

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  [Role.Admin]: Object.values(Permission),
  [Role.Marketer]: [Permission.DashboardRead],
  [Role.ComplianceOfficer]: [Permission.DashboardRead, Permission.UsersRead, Permission.ApiKeysRead, Permission.AuditRead, Permission.AuditExport],
  [Role.Analyst]: [Permission.DashboardRead],
};

export function permissionsOf(role: Role): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}

/** Permissions an API key may carry: integrations act on data, never on users, keys or the audit trail. */
export const API_KEY_SCOPES: readonly Permission[] = [Permission.DashboardRead];
