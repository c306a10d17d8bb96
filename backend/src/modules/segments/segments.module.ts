import { type DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { SavedSegmentsService } from './saved-segments.service.js';
import { SegmentRepository } from './segment.repository.js';
import { SegmentsController } from './segments.controller.js';
import { SegmentsService } from './segments.service.js';

@Module({})
export class SegmentsModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: SegmentsModule,
      controllers: roles.includes('api') ? [SegmentsController] : [],
      providers: [SegmentsService, SavedSegmentsService, SegmentRepository],
      exports: [SegmentsService, SavedSegmentsService],
    };
  }
}
