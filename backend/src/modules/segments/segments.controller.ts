import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { CreateSegmentDto, SegmentFilterDto, UpdateSegmentDto } from './dto/segment.dto.js';
import { SavedSegmentsService } from './saved-segments.service.js';
import { SegmentsService } from './segments.service.js';

/** Segments select contacts, so they follow the contacts permissions: reading needs contacts:read, changing contacts:write. */
@ApiTags('segments')
@Controller('api/v1/segments')
export class SegmentsController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly saved: SavedSegmentsService,
  ) {}

  /** Live count and a masked sample for a rule being edited: `{ rule }` in the body. */
  @RequirePermission(Permission.ContactsRead)
  @Post('preview')
  @HttpCode(200)
  preview(@Body() body: Record<string, unknown>) {
    return this.segments.preview(body.rule);
  }

  @RequirePermission(Permission.ContactsRead)
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.saved.list(parseFilter(SegmentFilterDto, query.filter), { offset: query.offset, limit: query.perPage, order: query.order });
  }

  @RequirePermission(Permission.ContactsWrite)
  @Post()
  create(@Body() dto: CreateSegmentDto, @Auth() auth: AuthContext) {
    return this.saved.create(dto, actorOf(auth));
  }

  @RequirePermission(Permission.ContactsRead)
  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number) {
    return this.saved.get(id);
  }

  @RequirePermission(Permission.ContactsWrite)
  @Patch(':id')
  update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateSegmentDto, @Auth() auth: AuthContext) {
    return this.saved.update(id, dto, actorOf(auth));
  }

  @RequirePermission(Permission.ContactsWrite)
  @Delete(':id')
  remove(@Param('id', ParseIntPipe) id: number, @Auth() auth: AuthContext) {
    return this.saved.remove(id, actorOf(auth));
  }

  /** Members as a send would use them now, and what the rule selects live. */
  @RequirePermission(Permission.ContactsRead)
  @Get(':id/count')
  count(@Param('id', ParseIntPipe) id: number) {
    return this.saved.count(id);
  }

  @RequirePermission(Permission.ContactsRead)
  @Get(':id/snapshots')
  snapshots(@Param('id', ParseIntPipe) id: number, @Query() query: ListQueryDto) {
    return this.saved.snapshots(id, { offset: query.offset, limit: query.perPage, order: query.order });
  }

  /** Freezes the member list (contact ids only); audited. */
  @RequirePermission(Permission.ContactsWrite)
  @Post(':id/snapshots')
  takeSnapshot(@Param('id', ParseIntPipe) id: number, @Auth() auth: AuthContext) {
    return this.saved.takeSnapshot(id, actorOf(auth));
  }
}
