export { EngagementModule } from './engagement.module.js';
export { EngagementService } from './engagement.service.js';
export { ENGAGEMENT_TYPES } from './engagement.types.js';
export type { EngagementEvent, EngagementType, StoredEngagementEvent } from './engagement.types.js';
