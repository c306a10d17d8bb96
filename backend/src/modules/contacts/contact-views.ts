import type { AttributeValue, ContactPhi } from './contact-input.js';

/** What a user without the reveal permission sees: enough to recognise a record, no PHI value. */
export interface MaskedContact {
  id: string;
  status: 'active' | 'erased';
  emailMasked: string | null;
  initials: string | null;
  /** Which PHI fields hold a value (names only). */
  phiFields: string[];
  timeZone: string | null;
  language: string | null;
  attributes: Record<string, AttributeValue>;
  source: string;
  createdAt: string;
  updatedAt: string;
}

export interface RevealedContact extends MaskedContact {
  phi: ContactPhi;
}

export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const dot = domain.lastIndexOf('.');
  const tld = dot >= 0 ? domain.slice(dot) : '';
  return `${local.slice(0, 1)}•••@${domain.slice(0, 1)}•••${tld}`;
}

export function initialsOf(phi: ContactPhi): string | null {
  const parts = [phi.firstName, phi.lastName].filter((p): p is string => Boolean(p));
  return parts.length ? parts.map((p) => `${p.slice(0, 1).toUpperCase()}.`).join(' ') : null;
}

export function phiFieldsOf(phi: ContactPhi): string[] {
  return Object.entries(phi)
    .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k]) => k)
    .sort();
}
