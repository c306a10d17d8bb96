import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { SegmentsModule } from '../segments/index.js';
import { WebhooksModule } from '../webhooks/index.js';
import { JourneyClock } from './journey-clock.js';
import { JourneyEventConsumer } from './journey-event-consumer.js';
import { JourneyJobs } from './journey-jobs.js';
import { JourneyRunner } from './journey-runner.js';
import { JourneyStatsService } from './journey-stats.service.js';
import { JourneySweeperService } from './journey-sweeper.service.js';
import { JourneyTriggers } from './journey-triggers.js';
import { JourneyRepository } from './journey.repository.js';
import { JourneysController } from './journeys.controller.js';
import { JourneysService } from './journeys.service.js';
import { JourneyAdvanceProcessor } from './processors/journey-advance.processor.js';

/** Journeys: versioned graphs, enrollments and their steps, triggers from events, segments, dates and the API. */
@Module({})
export class JourneysModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [JourneyClock, JourneyRepository, JourneyJobs, JourneyRunner, JourneyTriggers, JourneysService, JourneyStatsService];
    if (roles.includes('worker')) providers.push(JourneyAdvanceProcessor, JourneyEventConsumer);
    if (roles.includes('scheduler')) providers.push(JourneySweeperService);
    return {
      module: JourneysModule,
      imports: [SegmentsModule.forRoles(roles), WebhooksModule.forRoles(roles)],
      controllers: roles.includes('api') ? [JourneysController] : [],
      providers,
      exports: [JourneysService, JourneyTriggers, JourneyRunner, JourneyStatsService, JourneyClock],
    };
  }
}
