import { type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { DashboardService } from '../system/index.js';
import { LinkTracking } from './link-tracking.service.js';
import { TrackingReportsController } from './tracking-reports.controller.js';
import { TrackingStatsService } from './tracking-stats.service.js';
import { TrackingController } from './tracking.controller.js';
import { TrackingService } from './tracking.service.js';
import { UnsubscribeController } from './unsubscribe.controller.js';

@Module({})
export class TrackingModule implements OnModuleInit {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly tracking: TrackingService,
  ) {}

  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: TrackingModule,
      // Global: the delivery worker instruments every message with LinkTracking.
      global: true,
      controllers: roles.includes('api') ? [TrackingController, UnsubscribeController, TrackingReportsController] : [],
      providers: [LinkTracking, TrackingService, TrackingStatsService],
      exports: [LinkTracking, TrackingStatsService],
    };
  }

  onModuleInit() {
    this.dashboard.register({ key: 'trackingRejectedTokens', count: () => this.tracking.rejectedTokens() });
  }
}
