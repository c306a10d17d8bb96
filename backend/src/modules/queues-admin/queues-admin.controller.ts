import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { LISTED_STATES, type ListedState, QueuesAdminService } from './queues-admin.service.js';

export class JobListQueryDto {
  @IsOptional() @IsIn(LISTED_STATES) state: ListedState = 'failed';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) page = 1;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) perPage = 25;
}

/** The BullMQ queue dashboard for administrators; every intervention is audited. */
@ApiTags('queues')
@Controller('api/v1/queues')
export class QueuesAdminController {
  constructor(private readonly queues: QueuesAdminService) {}

  @RequirePermission(Permission.QueuesManage)
  @Get()
  list() {
    return this.queues.list();
  }

  @RequirePermission(Permission.QueuesManage)
  @Get(':name')
  get(@Param('name') name: string) {
    return this.queues.get(name);
  }

  @RequirePermission(Permission.QueuesManage)
  @Get(':name/jobs')
  jobs(@Param('name') name: string, @Query() query: JobListQueryDto) {
    return this.queues.jobs(name, query.state, { offset: (query.page - 1) * query.perPage, limit: query.perPage });
  }

  @RequirePermission(Permission.QueuesManage)
  @Post(':name/jobs/:id/retry')
  @HttpCode(200)
  retry(@Param('name') name: string, @Param('id') id: string, @Auth() auth: AuthContext) {
    return this.queues.retry(name, id, actorOf(auth));
  }

  @RequirePermission(Permission.QueuesManage)
  @Delete(':name/jobs/:id')
  @HttpCode(204)
  remove(@Param('name') name: string, @Param('id') id: string, @Auth() auth: AuthContext) {
    return this.queues.remove(name, id, actorOf(auth));
  }

  @RequirePermission(Permission.QueuesManage)
  @Post(':name/pause')
  @HttpCode(200)
  pause(@Param('name') name: string, @Auth() auth: AuthContext) {
    return this.queues.pause(name, actorOf(auth));
  }

  @RequirePermission(Permission.QueuesManage)
  @Post(':name/resume')
  @HttpCode(200)
  resume(@Param('name') name: string, @Auth() auth: AuthContext) {
    return this.queues.resume(name, actorOf(auth));
  }
}
