import { type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { DashboardService } from '../system/index.js';
import { AccessGuard } from './access.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';
import { UserAdminService } from './user-admin.service.js';
import { UsersController } from './users.controller.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { RecoveryCodeEntity } from './entities/recovery-code.entity.js';
import { SessionEntity } from './entities/session.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { SessionsService } from './sessions.service.js';
import { UsersService } from './users.service.js';

@Module({})
export class AuthModule implements OnModuleInit {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly users: UsersService,
  ) {}

  static forRoles(roles: ProcessRole[]): DynamicModule {
    const api = roles.includes('api');
    return {
      module: AuthModule,
      imports: [TypeOrmModule.forFeature([UserEntity, SessionEntity, RecoveryCodeEntity, ApiKeyEntity])],
      controllers: api ? [AuthController, UsersController, ApiKeysController] : [],
      providers: [
        UsersService,
        SessionsService,
        AuthService,
        UserAdminService,
        ApiKeysService,
        ...(api ? [{ provide: APP_GUARD, useClass: AccessGuard }] : []),
      ],
      exports: [UsersService, SessionsService, ApiKeysService],
    };
  }

  onModuleInit() {
    this.dashboard.register({ key: 'users', count: () => this.users.count() });
  }
}
