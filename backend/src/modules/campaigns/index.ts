export { CampaignsModule } from './campaigns.module.js';
export { CampaignsService } from './campaigns.service.js';
export type { CampaignView } from './campaigns.service.js';
export { CampaignReports } from './campaign-reports.service.js';
export type { CampaignProgress, CampaignReport } from './campaign-reports.service.js';
export type { PreSendChecks } from './campaign-checks.service.js';
export { CAMPAIGN_STATUSES } from './campaigns.types.js';
export type { AbTestSettings, CampaignSchedule, CampaignStatus } from './campaigns.types.js';
