import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { ImportRunner } from './import-runner.js';
import { ImportStorage } from './import-storage.js';
import { ImportSweeperService } from './import-sweeper.service.js';
import { ImportsController } from './imports.controller.js';
import { ImportsService } from './imports.service.js';
import { ImportRunProcessor } from './processors/import-run.processor.js';

@Module({})
export class ImportsModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [ImportsService, ImportStorage, ImportRunner];
    if (roles.includes('worker')) providers.push(ImportRunProcessor);
    if (roles.includes('scheduler')) providers.push(ImportSweeperService);
    return {
      module: ImportsModule,
      controllers: roles.includes('api') ? [ImportsController] : [],
      providers,
      exports: [ImportsService, ImportRunner],
    };
  }
}
