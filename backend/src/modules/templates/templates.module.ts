import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { TemplateVersionEntity } from './entities/template-version.entity.js';
import { TemplateEntity } from './entities/template.entity.js';
import { MjmlCompiler } from './mjml-compiler.js';
import { TemplateRenderer } from './template-renderer.js';
import { TemplatesController } from './templates.controller.js';
import { TemplatesService } from './templates.service.js';

@Module({})
export class TemplatesModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: TemplatesModule,
      // Global: sends (delivery, campaigns, journeys) render published versions through it.
      global: true,
      imports: [TypeOrmModule.forFeature([TemplateEntity, TemplateVersionEntity])],
      controllers: roles.includes('api') ? [TemplatesController] : [],
      providers: [TemplatesService, MjmlCompiler, TemplateRenderer],
      exports: [TemplatesService],
    };
  }
}
