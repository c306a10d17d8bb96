import { type DynamicModule, Inject, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { PROCESS_ROLES } from '../../platform/process/process-role.js';
import { EventsApiService } from './events-api.service.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { FhirController } from './fhir/fhir.controller.js';
import { Hl7Controller } from './hl7/hl7.controller.js';
import { MllpListener } from './hl7/mllp-listener.js';
import { EhrApplier } from './inbound/ehr-applier.js';
import { EhrMappingService } from './inbound/ehr-mapping.service.js';
import { InboundService } from './inbound/inbound.service.js';
import { IntegrationsController } from './integrations.controller.js';

const PURGE_EVERY_MS = 3600_000;

/**
 * Contact events and EHR integration in: the events API, FHIR R4 and HL7 v2 (HTTP in api processes, MLLP in
 * workers), the EHR mapping and the inbound message record with its dead letters. Global: journeys read
 * EventsService.
 */
@Module({})
export class EventsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventsModule.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRole[],
    private readonly inbound: InboundService,
  ) {}

  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [{ provide: PROCESS_ROLES, useValue: roles }, EventsService, EventsApiService, EhrMappingService, EhrApplier, InboundService];
    if (roles.includes('worker')) providers.push(MllpListener);
    return {
      module: EventsModule,
      global: true,
      controllers: roles.includes('api') ? [EventsController, FhirController, Hl7Controller, IntegrationsController] : [],
      providers,
      exports: [EventsService, InboundService, EhrMappingService],
    };
  }

  onApplicationBootstrap() {
    // Raw payloads past INBOUND_RETENTION_DAYS are deleted by the scheduler, hourly.
    if (!this.roles.includes('scheduler')) return;
    const purge = () =>
      this.inbound.purgeExpired().then(
        (n) => n && this.logger.log({ purged: n }, 'inbound payloads past retention deleted'),
        (err: unknown) => this.logger.warn({ code: (err as { code?: string }).code }, 'inbound retention purge failed'),
      );
    void purge();
    this.timer = setInterval(() => void purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
  }
}
