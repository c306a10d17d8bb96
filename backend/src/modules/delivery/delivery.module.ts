import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { DeliveryController } from './delivery.controller.js';
import { DeliveryPipeline } from './delivery-pipeline.js';
import { DeliverySweeperService } from './delivery-sweeper.service.js';
import { DeliveryService } from './delivery.service.js';
import { DomainTlsService } from './domain-tls.service.js';
import { ReachabilityService } from './reachability.service.js';
import { DeliverySendProcessor } from './processors/delivery-send.processor.js';
import { DnsLookup } from './routing/dns-lookup.js';
import { MtaStsService } from './routing/mta-sts.service.js';
import { Router } from './routing/router.js';
import { TrustStore } from './routing/trust-store.js';
import { SendingDomainsService } from './sending-domains.service.js';
import { DomainSender } from './smtp/domain-sender.js';
import { SendThrottle } from './smtp/send-throttle.js';
import { SessionPool } from './smtp/session-pool.js';
import { TestSendsController } from './test-sends.controller.js';
import { TestSendsService } from './test-sends.service.js';

/** The TLS-exclusive delivery tier: deliveries, routing, MTA-STS, sessions, domain TLS monitoring, DKIM. */
@Module({})
export class DeliveryModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [
      DeliveryService,
      DomainTlsService,
      SendingDomainsService,
      DnsLookup,
      MtaStsService,
      Router,
      TrustStore,
      SessionPool,
      SendThrottle,
      DomainSender,
      DeliveryPipeline,
      ReachabilityService,
    ];
    if (roles.includes('worker')) providers.push(DeliverySendProcessor);
    if (roles.includes('scheduler')) providers.push(DeliverySweeperService);
    if (roles.includes('api')) providers.push(TestSendsService);
    return {
      module: DeliveryModule,
      global: true,
      controllers: roles.includes('api') ? [DeliveryController, TestSendsController] : [],
      providers,
      exports: [DeliveryService, DomainTlsService, SendingDomainsService],
    };
  }
}
