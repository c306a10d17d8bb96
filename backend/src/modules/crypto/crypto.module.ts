import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { CryptoService } from './crypto.service.js';
import { DataKeyEntity } from './entities/data-key.entity.js';
import { KEY_PROVIDER, LocalKeyProvider } from './key-provider.js';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([DataKeyEntity])],
  providers: [
    {
      provide: KEY_PROVIDER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new LocalKeyProvider(Buffer.from(config.MASTER_KEY, 'base64')),
    },
    CryptoService,
  ],
  exports: [CryptoService],
})
export class CryptoModule {}
