import { type DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { QueuesAdminController } from './queues-admin.controller.js';
import { QueuesAdminService } from './queues-admin.service.js';

/** The queue dashboard: an API-only module over the queues platform/queue registers. */
@Module({})
export class QueuesAdminModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    if (!roles.includes('api')) return { module: QueuesAdminModule };
    return { module: QueuesAdminModule, controllers: [QueuesAdminController], providers: [QueuesAdminService] };
  }
}
