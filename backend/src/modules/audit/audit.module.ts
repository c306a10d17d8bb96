import { type DynamicModule, Global, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { DashboardService } from '../system/index.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';

@Global()
@Module({})
export class AuditModule implements OnModuleInit {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly audit: AuditService,
  ) {}

  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: AuditModule,
      imports: [TypeOrmModule.forFeature([AuditEventEntity])],
      controllers: roles.includes('api') ? [AuditController] : [],
      providers: [AuditService],
      exports: [AuditService],
    };
  }

  onModuleInit() {
    this.dashboard.register({ key: 'auditEvents', count: () => this.audit.count() });
  }
}
