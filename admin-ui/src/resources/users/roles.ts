import type { Role } from '../../providers/dataProvider';

export interface RoleChoice {
  id: Role;
  name: string;
  /** What the role may do, shown where a role is chosen. */
  description: string;
  color: 'primary' | 'secondary' | 'info' | 'default';
}

export const ROLES: readonly RoleChoice[] = [
  { id: 'admin', name: 'Administrator', description: 'Everything, including users, API keys and encryption keys', color: 'primary' },
  {
    id: 'compliance_officer',
    name: 'Compliance officer',
    description: 'Audit log and its export, contacts with PHI, erasure; reads users and API keys',
    color: 'secondary',
  },
  { id: 'marketer', name: 'Marketer', description: 'Contacts, consent, topics, suppressions and imports, without PHI values', color: 'info' },
  { id: 'analyst', name: 'Analyst', description: 'The dashboard and aggregate figures only', color: 'default' },
];

export function roleChoice(role: string): RoleChoice | undefined {
  return ROLES.find((choice) => choice.id === role);
}

export const roleLabel = (role: string): string => roleChoice(role)?.name ?? role;
