export { LinkTracking } from './link-tracking.service.js';
export { classifyUserAgent, judgeHit } from './machine-heuristics.js';
export type { MachineReason, UserAgentClass, Verdict } from './machine-heuristics.js';
export { TrackingStatsService } from './tracking-stats.service.js';
export type { EngagementCounts, TrackingSummary } from './tracking-stats.service.js';
export { TrackingModule } from './tracking.module.js';
