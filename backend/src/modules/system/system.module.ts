import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PROCESS_ROLES, type ProcessRole } from '../../platform/process/process-role.js';
import { DashboardController } from './dashboard.controller.js';
import { DashboardService } from './dashboard.service.js';
import { ProcessHeartbeatEntity } from './entities/process-heartbeat.entity.js';
import { HeartbeatService } from './heartbeat.service.js';
import { MaintenanceSchedulerService } from './maintenance-scheduler.service.js';
import { MaintenanceSweepProcessor } from './processors/maintenance-sweep.processor.js';

@Global()
@Module({})
export class SystemModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [{ provide: PROCESS_ROLES, useValue: roles }, HeartbeatService, DashboardService];
    if (roles.includes('worker')) providers.push(MaintenanceSweepProcessor);
    if (roles.includes('scheduler')) providers.push(MaintenanceSchedulerService);
    return {
      module: SystemModule,
      imports: [TypeOrmModule.forFeature([ProcessHeartbeatEntity])],
      controllers: roles.includes('api') ? [DashboardController] : [],
      providers,
      exports: [PROCESS_ROLES, DashboardService, HeartbeatService],
    };
  }
}
