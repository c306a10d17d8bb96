import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { ConsentService } from './consent.service.js';
import { TopicEntity } from './entities/topic.entity.js';
import { PreferenceTokens } from './preference-tokens.js';
import { TopicsController } from './topics.controller.js';
import { TopicsService } from './topics.service.js';

@Module({})
export class ConsentModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: ConsentModule,
      imports: [TypeOrmModule.forFeature([TopicEntity])],
      controllers: roles.includes('api') ? [TopicsController] : [],
      providers: [TopicsService, ConsentService, PreferenceTokens],
      exports: [TopicsService, ConsentService, PreferenceTokens],
    };
  }
}
