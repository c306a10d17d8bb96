import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { RetentionProcessor } from './processors/retention.processor.js';
import { RetentionDisposal } from './retention-disposal.js';
import { RetentionSchedulerService } from './retention-scheduler.service.js';
import { RetentionController } from './retention.controller.js';
import { RetentionService } from './retention.service.js';

/** Retention and disposal by policy: the API, the worker that disposes of data, and the daily schedule. */
@Module({})
export class RetentionModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [RetentionService, RetentionDisposal];
    if (roles.includes('worker')) providers.push(RetentionProcessor);
    if (roles.includes('scheduler')) providers.push(RetentionSchedulerService);
    return {
      module: RetentionModule,
      controllers: roles.includes('api') ? [RetentionController] : [],
      providers,
      exports: [RetentionService],
    };
  }
}
