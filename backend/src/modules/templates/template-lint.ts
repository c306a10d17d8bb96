import type { TemplateCategory, TemplateWarning } from './templates.types.js';

/** Contact fields that are PHI (or identify the patient) wherever they appear. */
export const PHI_FIELDS = new Set([
  'firstName',
  'lastName',
  'birthDate',
  'conditions',
  'diagnosis',
  'insurancePlan',
  'primaryProvider',
  'lastVisitDate',
  'nextVisitDate',
]);

const HELPERS = new Set(['formatDate', 'default', 'eq', 'if', 'unless', 'each', 'with', 'else', 'this', 'lookup', 'true', 'false', 'null', 'undefined']);

/** Every data path a Handlebars source reads (`contact.firstName`, `appointment.startsAt`), helpers and hash keys left out. */
export function placeholderPaths(source: string): string[] {
  const paths = new Set<string>();
  for (const m of source.matchAll(/\{\{\{?~?([\s\S]*?)~?\}?\}\}/g)) {
    const body = m[1]
      .replace(/^[#/^!>&]\s*/, '')
      .replace(/"[^"]*"|'[^']*'/g, ' ')
      .replace(/\b[\w-]+=/g, ' ');
    for (const token of body.match(/[A-Za-z_@.][\w.@/[\]-]*/g) ?? []) {
      const path = token.replace(/^(?:\.\.\/)+|^this\./, '').replace(/^@root\./, '');
      if (path && !HELPERS.has(path) && !path.startsWith('@')) paths.add(path);
    }
  }
  return [...paths];
}

export function isPhiPath(path: string): boolean {
  const segments = path.split('.');
  return segments[0] === 'contact' || segments[0] === 'phi' || segments.some((s) => PHI_FIELDS.has(s));
}

export interface LintInput {
  subject: string;
  preheader: string;
  fromName: string;
  mjml: string;
}

const HEADER_FIELDS = ['subject', 'preheader', 'fromName'] as const;
const FIELD_LABEL: Record<(typeof HEADER_FIELDS)[number], string> = { subject: 'subject', preheader: 'preheader', fromName: 'from name' };

/**
 * PHI minimisation: what shows on a lock screen (subject, preheader, sender) should not name
 * the patient or their care, and contact data in a link's query string ends up in proxies,
 * browser history and analytics. Warnings only: the author decides.
 */
export function lintTemplate(input: LintInput): TemplateWarning[] {
  const warnings: TemplateWarning[] = [];
  for (const field of HEADER_FIELDS) {
    for (const path of placeholderPaths(input[field]).filter(isPhiPath)) {
      warnings.push({ code: 'phi_in_header', field, message: `PHI in ${FIELD_LABEL[field]} shows on lock screens`, detail: path });
    }
  }
  for (const m of input.mjml.matchAll(/\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    const href = (m[1] as string | undefined) ?? m[2];
    const query = href.indexOf('?');
    if (query >= 0 && href.slice(query).includes('{{')) {
      const line = input.mjml.slice(0, m.index).split('\n').length;
      warnings.push({ code: 'contact_data_in_link', field: 'mjml', message: 'link carries contact data in its query string', line });
    }
  }
  return warnings;
}

const UNSUBSCRIBE = /\{\{\{?\s*unsubscribe_url\s*\}\}\}?/;
const ADDRESS = /\{\{\{?\s*organization_address\s*\}\}\}?/;

/** CAN-SPAM: a commercial message carries a working opt-out and the sender's postal address. What is missing, by name; empty when compliant. */
export function canSpamProblems(category: TemplateCategory, html: string): string[] {
  if (category !== 'marketing') return [];
  const missing: string[] = [];
  if (!UNSUBSCRIBE.test(html)) missing.push('the unsubscribe link {{unsubscribe_url}}');
  if (!ADDRESS.test(html)) missing.push('the postal address {{organization_address}}');
  return missing;
}
