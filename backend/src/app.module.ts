import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './config/index.js';
import { ConfigModule } from './config/index.js';
import { AuditModule } from './modules/audit/index.js';
import { AuthModule } from './modules/auth/index.js';
import { BouncesModule } from './modules/bounces/index.js';
import { CampaignsModule } from './modules/campaigns/index.js';
import { ComplianceModule } from './modules/compliance/index.js';
import { ContactsModule } from './modules/contacts/index.js';
import { DeliveryModule } from './modules/delivery/index.js';
import { EngagementModule } from './modules/engagement/index.js';
import { EventsModule } from './modules/events/index.js';
import { WebhooksModule } from './modules/webhooks/index.js';
import { CryptoModule } from './modules/crypto/index.js';
import { ImportsModule } from './modules/imports/index.js';
import { JourneysModule } from './modules/journeys/index.js';
import { RetentionModule } from './modules/retention/index.js';
import { QueuesAdminModule } from './modules/queues-admin/index.js';
import { SegmentsModule } from './modules/segments/index.js';

import { TemplatesModule } from './modules/templates/index.js';
import { TrackingModule } from './modules/tracking/index.js';

import { SystemModule } from './modules/system/index.js';
import { DatabaseModule } from './platform/database/index.js';
import { HealthModule } from './platform/health/health.module.js';
import { rolesOf, type Entrypoint } from './platform/process/process-role.js';
import { HttpPlatformModule } from './platform/http/http-platform.module.js';
import { MailModule } from './platform/mail/mail.module.js';
import { MetricsModule } from './platform/metrics/metrics.module.js';
import { QueueModule } from './platform/queue/index.js';
import { RedisModule } from './platform/redis/redis.module.js';

/** The whole application, shaped by the entrypoint: controllers for `api`, processors for `worker`, schedules for `scheduler`. */
@Module({})
export class AppModule {
  static forEntrypoint(entrypoint: Entrypoint, config: AppConfig): DynamicModule {
    const roles = rolesOf(entrypoint);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        QueueModule,
        RedisModule,
        ...(roles.includes('api') ? [HttpPlatformModule] : []),
        SystemModule.forRoles(roles),
        CryptoModule.forRoles(roles),
        AuditModule.forRoles(roles),
        AuthModule.forRoles(roles),
        MailModule,
        EngagementModule,
        BouncesModule.forRoles(roles),
        ContactsModule.forRoles(roles),
        ImportsModule.forRoles(roles),
        SegmentsModule.forRoles(roles),
        TemplatesModule.forRoles(roles),
        TrackingModule.forRoles(roles),
        DeliveryModule.forRoles(roles),
        EventsModule.forRoles(roles),
        WebhooksModule.forRoles(roles),
        CampaignsModule.forRoles(roles),
        JourneysModule.forRoles(roles),
        ComplianceModule.forRoles(roles),
        RetentionModule.forRoles(roles),
        QueuesAdminModule.forRoles(roles),
        ...(roles.includes('api') ? [HealthModule, MetricsModule] : []),
      ],
    };
  }
}
