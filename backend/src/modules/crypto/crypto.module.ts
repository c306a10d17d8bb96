import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { CryptoController } from './crypto.controller.js';
import { CryptoService } from './crypto.service.js';
import { DataKeyEntity } from './entities/data-key.entity.js';
import { KeyRotationEntity } from './entities/key-rotation.entity.js';
import { KEY_PROVIDER, LocalKeyProvider } from './key-provider.js';
import { OpaqueIds } from './opaque-ids.js';
import { KeyRotationService } from './key-rotation.service.js';
import { CryptoReencryptProcessor } from './processors/crypto-reencrypt.processor.js';
import { ResumeRotationsService } from './resume-rotations.service.js';

@Global()
@Module({})
export class CryptoModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [
      {
        provide: KEY_PROVIDER,
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => new LocalKeyProvider(Buffer.from(config.MASTER_KEY, 'base64')),
      },
      CryptoService,
      KeyRotationService,
      OpaqueIds,
    ];
    if (roles.includes('worker')) providers.push(CryptoReencryptProcessor);
    if (roles.includes('scheduler')) providers.push(ResumeRotationsService);
    return {
      module: CryptoModule,
      imports: [TypeOrmModule.forFeature([DataKeyEntity, KeyRotationEntity])],
      controllers: roles.includes('api') ? [CryptoController] : [],
      providers,
      exports: [CryptoService, KeyRotationService, OpaqueIds],
    };
  }
}
