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
  /** The BullMQ queue dashboard: counts, jobs, retry, remove, pause and resume (administrators only). */
  QueuesManage = 'queues:manage',
  ContactsRead = 'contacts:read',
  ContactsWrite = 'contacts:write',
  ContactsExport = 'contacts:export',
  ContactsErase = 'contacts:erase',
  PhiReveal = 'phi:reveal',
  AttributesRead = 'attributes:read',
  AttributesManage = 'attributes:manage',
  TopicsRead = 'topics:read',
  TopicsManage = 'topics:manage',
  ConsentWrite = 'consent:write',
  SuppressionsRead = 'suppressions:read',
  SuppressionsManage = 'suppressions:manage',
  ImportsRead = 'imports:read',
  ImportsWrite = 'imports:write',
  TemplatesRead = 'templates:read',
  TemplatesManage = 'templates:manage',
  /** Aggregate engagement and delivery figures (no contact data). */
  ReportsRead = 'reports:read',
  DeliveryRead = 'delivery:read',
  DeliveryManage = 'delivery:manage',
  ComplianceRead = 'compliance:read',
  /** The retention policy and disposal runs (dry runs too: they reveal what data is held and for how long). */
  RetentionManage = 'retention:manage',
  /** Inbound events, FHIR resources and HL7 v2 messages (integrations and EHR interfaces). */
  EventsWrite = 'events:write',
  IntegrationsRead = 'integrations:read',
  IntegrationsManage = 'integrations:manage',
  CampaignsRead = 'campaigns:read',
  CampaignsManage = 'campaigns:manage',
  /** Approve or reject a submitted campaign (with four-eyes, never one's own). */
  CampaignsApprove = 'campaigns:approve',
  JourneysRead = 'journeys:read',
  /** Edit, publish, pause and archive journeys; enroll and remove contacts. */
  JourneysManage = 'journeys:manage',
}

export enum Role {
  Admin = 'admin',
  Marketer = 'marketer',
  ComplianceOfficer = 'compliance_officer',
  Analyst = 'analyst',
}

const P = Permission;

/** Minimum necessary: marketers work with contacts without seeing PHI values; analysts see aggregates only. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  [Role.Admin]: Object.values(Permission),
  [Role.Marketer]: [
    P.DashboardRead,
    P.ContactsRead,
    P.ContactsWrite,
    P.AttributesRead,
    P.AttributesManage,
    P.TopicsRead,
    P.TopicsManage,
    P.ConsentWrite,
    P.SuppressionsRead,
    P.SuppressionsManage,
    P.ImportsRead,
    P.ImportsWrite,
    P.TemplatesRead,
    P.TemplatesManage,
    P.ReportsRead,
    P.DeliveryRead,
    P.CampaignsRead,
    P.CampaignsManage,
    P.JourneysRead,
    P.JourneysManage,
  ],
  [Role.ComplianceOfficer]: [
    P.DashboardRead,
    P.UsersRead,
    P.ApiKeysRead,
    P.AuditRead,
    P.AuditExport,
    P.ContactsRead,
    P.ContactsExport,
    P.ContactsErase,
    P.PhiReveal,
    P.AttributesRead,
    P.TopicsRead,
    P.SuppressionsRead,
    P.SuppressionsManage,
    P.ImportsRead,
    P.TemplatesRead,
    P.ReportsRead,
    P.DeliveryRead,
    P.IntegrationsRead,
    P.CampaignsRead,
    P.CampaignsApprove,
    P.ComplianceRead,
    P.RetentionManage,
    P.JourneysRead,
  ],
  [Role.Analyst]: [P.DashboardRead, P.ReportsRead],
};

export function permissionsOf(role: Role): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}

/** Permissions an API key may carry: integrations act on data, never on users, keys or the audit trail. */
export const API_KEY_SCOPES: readonly Permission[] = [
  P.DashboardRead,
  P.ContactsRead,
  P.ContactsWrite,
  P.ConsentWrite,
  P.ImportsRead,
  P.ImportsWrite,
  P.TopicsRead,
  P.AttributesRead,
  P.EventsWrite,
];
