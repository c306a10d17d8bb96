import type { KeyPurpose } from './entities/data-key.entity.js';

/** A column holding ciphertexts made by CryptoService, bound to (table, column, row id). */
export interface EncryptedColumn {
  table: string;
  idColumn: string;
  idType: 'uuid' | 'bigint' | 'integer';
  column: string;
  purpose: Exclude<KeyPurpose, 'blind-index'>;
}

/**
 * Every encrypted column, so key rotation can re-encrypt all of them. A module that stores
 * ciphertexts lists its columns here; a test checks that every bytea column holding
 * ciphertexts is listed.
 */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { table: 'users', idColumn: 'id', idType: 'uuid', column: 'mfa_secret', purpose: 'secrets' },
  { table: 'users', idColumn: 'id', idType: 'uuid', column: 'mfa_pending_secret', purpose: 'secrets' },
  { table: 'contacts', idColumn: 'id', idType: 'bigint', column: 'phi', purpose: 'phi' },
  { table: 'consent_events', idColumn: 'id', idType: 'bigint', column: 'evidence', purpose: 'phi' },
  { table: 'marketing_authorizations', idColumn: 'id', idType: 'bigint', column: 'signature_evidence', purpose: 'phi' },
  { table: 'deliveries', idColumn: 'id', idType: 'bigint', column: 'recipient_enc', purpose: 'phi' },
  { table: 'deliveries', idColumn: 'id', idType: 'bigint', column: 'context_enc', purpose: 'phi' },
  { table: 'sending_domains', idColumn: 'id', idType: 'integer', column: 'dkim_private_key', purpose: 'secrets' },
  { table: 'segments', idColumn: 'id', idType: 'integer', column: 'rule_enc', purpose: 'phi' },
  { table: 'segment_snapshots', idColumn: 'id', idType: 'bigint', column: 'rule_enc', purpose: 'phi' },
  { table: 'contact_events', idColumn: 'id', idType: 'bigint', column: 'properties', purpose: 'phi' },
  { table: 'inbound_messages', idColumn: 'id', idType: 'bigint', column: 'payload_enc', purpose: 'phi' },
  { table: 'webhook_subscriptions', idColumn: 'id', idType: 'integer', column: 'secret_enc', purpose: 'secrets' },
  { table: 'webhook_deliveries', idColumn: 'id', idType: 'bigint', column: 'payload_enc', purpose: 'phi' },
  { table: 'journey_enrollments', idColumn: 'id', idType: 'bigint', column: 'context_enc', purpose: 'phi' },
];
