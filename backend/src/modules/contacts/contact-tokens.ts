import type { Tokenizer } from '../crypto/sealing.js';
import type { AttributeValue, ContactInput } from './contact-input.js';

/** Column values of the blind-index tokens of one contact. */
export interface ContactTokenColumns {
  email_token: Buffer;
  sex_token: string | null;
  birth_year_token: string | null;
  zip3_token: string | null;
  postal_token: string | null;
  state_token: string | null;
  insurance_status_token: string | null;
  insurance_plan_token: string | null;
  provider_token: string | null;
  last_visit_month_token: string | null;
  next_visit_month_token: string | null;
  condition_tokens: string[];
  attribute_tokens: string[];
}

export interface IdentifierToken {
  token: Buffer;
  kind: string;
}

/** The one place that says how a value becomes a token: segments (issue 5) compile rules with the same functions. */
export const tokenOf = {
  email: (c: Tokenizer, email: string) => c.blindIndex('contacts.email', email),
  identifier: (c: Tokenizer, system: string, value: string) => c.blindIndex('contacts.identifier', `${system.trim().toLowerCase()}|${value.trim()}`),
  sex: (c: Tokenizer, v: string) => c.token64('sex', v),
  birthYear: (c: Tokenizer, year: string) => c.token64('birth_year', year),
  zip3: (c: Tokenizer, zip3: string) => c.token64('zip3', zip3),
  postal: (c: Tokenizer, zip5: string) => c.token64('postal', zip5),
  state: (c: Tokenizer, st: string) => c.token64('state', st),
  insuranceStatus: (c: Tokenizer, v: string) => c.token64('insurance_status', v),
  insurancePlan: (c: Tokenizer, v: string) => c.token64('insurance_plan', v.toLowerCase()),
  provider: (c: Tokenizer, v: string) => c.token64('provider', v.toLowerCase().replace(/\s+/g, ' ')),
  lastVisitMonth: (c: Tokenizer, yyyymm: string) => c.token64('last_visit_month', yyyymm),
  nextVisitMonth: (c: Tokenizer, yyyymm: string) => c.token64('next_visit_month', yyyymm),
  condition: (c: Tokenizer, system: string, code: string) => c.token64('condition', `${system}|${code}`),
  /** ICD-10 category (E11 for E11.9): "any diabetes type 2" without listing every code. */
  conditionCategory: (c: Tokenizer, system: string, category: string) => c.token64('condition_category', `${system}|${category}`),
  attribute: (c: Tokenizer, key: string, value: string) => c.token64('attribute', `${key}|${value.toLowerCase()}`),
};

export function contactTokens(crypto: Tokenizer, input: ContactInput): { columns: ContactTokenColumns; identifiers: IdentifierToken[] } {
  const p = input.phi;
  const zip5 = p.postalCode?.slice(0, 5);
  const conditions = new Set<string>();
  for (const c of p.conditions ?? []) {
    conditions.add(tokenOf.condition(crypto, c.system, c.code));
    if (c.system === 'ICD-10') conditions.add(tokenOf.conditionCategory(crypto, c.system, c.code.slice(0, 3)));
  }
  const attributes = new Set<string>();
  const addAttributes = (values: Record<string, AttributeValue> | undefined) => {
    for (const [key, value] of Object.entries(values ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string' || typeof v === 'boolean') attributes.add(tokenOf.attribute(crypto, key, String(v)));
      }
    }
  };
  addAttributes(p.attributes);
  addAttributes(input.attributes);
  return {
    columns: {
      email_token: tokenOf.email(crypto, p.email),
      sex_token: p.sex ? tokenOf.sex(crypto, p.sex) : null,
      birth_year_token: p.birthDate ? tokenOf.birthYear(crypto, p.birthDate.slice(0, 4)) : null,
      zip3_token: zip5 ? tokenOf.zip3(crypto, zip5.slice(0, 3)) : null,
      postal_token: zip5 ? tokenOf.postal(crypto, zip5) : null,
      state_token: p.state ? tokenOf.state(crypto, p.state) : null,
      insurance_status_token: p.insuranceStatus ? tokenOf.insuranceStatus(crypto, p.insuranceStatus) : null,
      insurance_plan_token: p.insurancePlan ? tokenOf.insurancePlan(crypto, p.insurancePlan) : null,
      provider_token: p.primaryProvider ? tokenOf.provider(crypto, p.primaryProvider) : null,
      last_visit_month_token: p.lastVisitDate ? tokenOf.lastVisitMonth(crypto, p.lastVisitDate.slice(0, 7)) : null,
      next_visit_month_token: p.nextVisitDate ? tokenOf.nextVisitMonth(crypto, p.nextVisitDate.slice(0, 7)) : null,
      condition_tokens: [...conditions],
      attribute_tokens: [...attributes],
    },
    identifiers: (p.identifiers ?? []).map((i) => ({ token: tokenOf.identifier(crypto, i.system, i.value), kind: i.kind })),
  };
}
