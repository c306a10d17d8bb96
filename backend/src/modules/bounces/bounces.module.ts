import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { BouncesService } from './bounces.service.js';
import { InboundSmtpReceiver } from './inbound-smtp.receiver.js';
import { ReturnPaths } from './return-paths.js';

/**
 * Bounces and complaints: VERP return paths, what a bounce or complaint does to a delivery, and (in worker
 * processes) the inbound SMTP receiver for DSNs and ARF reports. Global: the delivery worker injects
 * ReturnPaths and BouncesService without importing this module.
 */
@Module({})
export class BouncesModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [ReturnPaths, BouncesService];
    if (roles.includes('worker')) providers.push(InboundSmtpReceiver);
    return { module: BouncesModule, global: true, providers, exports: [ReturnPaths, BouncesService] };
  }
}
