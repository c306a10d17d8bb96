import { defaultI18nProvider, type I18nProvider } from 'react-admin';

/**
 * The app's own wording on top of react-admin's English messages: resource names as the
 * product calls them ("API keys", "Audit log", "Encryption keys") rather than humanized route
 * names, and notifications that say what happened. Polyglot syntax: `singular |||| plural`,
 * `%{name}` for a variable.
 */
const MESSAGES: Readonly<Partial<Record<string, string>>> = {
  'resources.users.name': 'User |||| Users',
  'resources.api-keys.name': 'API key |||| API keys',
  'resources.audit-events.name': 'Audit event |||| Audit log',
  'resources.key-rotations.name': 'Key rotation |||| Encryption keys',
  'resources.contacts.name': 'Contact |||| Contacts',
  'resources.imports.name': 'Import |||| Imports',
  'resources.topics.name': 'Topic |||| Topics',
  'resources.attributes.name': 'Custom attribute |||| Attributes',
  'resources.suppressions.name': 'Suppression |||| Suppressions',
  'resources.authorization-texts.name': 'HIPAA authorization text |||| HIPAA authorization texts',
  'resources.deliveries.name': 'Message |||| Delivery log',
  'resources.domain-tls.name': 'Domain TLS |||| Domain TLS',
  'resources.sending-domains.name': 'Sending domain |||| Sending domains',
  'resources.inbound-messages.name': 'Inbound message |||| Integrations',
  'resources.webhooks.name': 'Webhook |||| Webhooks',
  'resources.webhook-deliveries.name': 'Webhook delivery |||| Webhook deliveries',
};

function pluralForm(message: string, count: unknown): string {
  const forms = message.split(' |||| ');
  if (forms.length === 1 || typeof count !== 'number') return forms[0];
  return count === 1 ? forms[0] : forms[1];
}

function interpolate(message: string, options: Record<string, unknown> | undefined): string {
  return message.replace(/%\{(\w+)\}/g, (match, name: string) => {
    const value = options?.[name];
    // Only scalars are spelled out; anything else would print as `[object Object]`.
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : match;
  });
}

export const i18nProvider: I18nProvider = {
  ...defaultI18nProvider,
  translate(key, options) {
    const message = MESSAGES[key];
    if (message === undefined) return defaultI18nProvider.translate(key, options);
    const values = options as Record<string, unknown> | undefined;
    return interpolate(pluralForm(message, values?.smart_count), values);
  },
};
