import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, ListQueryDto, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { RetentionPolicyDto, StartRunDto } from './dto/retention.dto.js';
import { RetentionService } from './retention.service.js';

/** The retention policy and its disposal runs (dry or real). */
@ApiTags('retention')
@Controller('api/v1/retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @RequirePermission(Permission.RetentionManage)
  @Get('policy')
  policy() {
    return this.retention.policy();
  }

  @RequirePermission(Permission.RetentionManage)
  @Put('policy')
  updatePolicy(@Body() dto: RetentionPolicyDto, @Auth() auth: AuthContext) {
    return this.retention.updatePolicy(dto, actorOf(auth));
  }

  /** `{ dryRun: true }` answers the counts at once; a real run is queued and its counts grow as it goes. */
  @RequirePermission(Permission.RetentionManage)
  @Post('runs')
  start(@Body() dto: StartRunDto, @Auth() auth: AuthContext) {
    return this.retention.start(dto.dryRun, actorOf(auth));
  }

  @RequirePermission(Permission.RetentionManage)
  @Get('runs')
  runs(@Query() query: ListQueryDto) {
    return this.retention.list({ offset: query.offset, limit: query.perPage });
  }

  @RequirePermission(Permission.RetentionManage)
  @Get('runs/:id')
  run(@Param('id') id: string) {
    return this.retention.get(id);
  }
}
