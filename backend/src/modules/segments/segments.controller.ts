import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Permission, RequirePermission } from '../../platform/http/index.js';
import { SegmentsService } from './segments.service.js';

@ApiTags('segments')
@Controller('api/v1/segments')
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  /** Live count and a masked sample for a rule being edited: `{ rule }` in the body. */
  @RequirePermission(Permission.ContactsRead)
  @Post('preview')
  @HttpCode(200)
  preview(@Body() body: Record<string, unknown>) {
    return this.segments.preview(body.rule);
  }
}
