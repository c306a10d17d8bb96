export { ConsentModule } from './consent.module.js';
export { ConsentService } from './consent.service.js';
export type { ConsentEventView, ConsentStateView } from './consent.service.js';
export { CONSENT_METHODS, CONSENT_STATUSES, SUPPRESSION_REASONS } from './consent.types.js';
export type { ConsentChange, ConsentEvidence, ConsentMethod, ConsentStatus, Eligibility, SuppressionReason } from './consent.types.js';
export { PreferenceTokens } from './preference-tokens.js';
export { TopicsService } from './topics.service.js';
