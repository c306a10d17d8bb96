import { Global, Module } from '@nestjs/common';
import { EngagementService } from './engagement.service.js';

/** The engagement event store, used by delivery, tracking, bounces, segments, journeys and webhooks. */
@Global()
@Module({ providers: [EngagementService], exports: [EngagementService] })
export class EngagementModule {}
