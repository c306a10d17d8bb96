export { AttributesService } from './attributes.service.js';
export type { AttributeDefinition, AttributeValue, ContactInput, ContactPhi } from './contact-input.js';
export { CONTACT_FIELDS, validateContact } from './contact-input.js';
export { tokenOf } from './contact-tokens.js';
export { ContactWriter, uniqueKeysOf } from './contact-writer.js';
export type { PreparedBatch, WriteItem, WriteResult } from './contact-writer.js';

export { ContactsModule } from './contacts.module.js';
export { ContactsService } from './contacts.service.js';
export type { ProcessingRecord } from './contacts.service.js';
export { buttonPage, LINK_INVALID, messagePage } from './preference-pages.js';
export type { MaskedContact, RevealedContact } from './contact-views.js';
