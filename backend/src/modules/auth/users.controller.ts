import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { InviteUserDto, UpdateUserDto, UserFilterDto } from './dto/user.dto.js';
import { UserAdminService } from './user-admin.service.js';

@ApiTags('users')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly admin: UserAdminService) {}

  @RequirePermission(Permission.UsersRead)
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.admin.list(parseFilter(UserFilterDto, query.filter), { offset: query.offset, limit: query.perPage, sort: query.sort, order: query.order });
  }

  @RequirePermission(Permission.UsersRead)
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.admin.get(id);
  }

  /** The temporary password is in this answer only. */
  @RequirePermission(Permission.UsersManage)
  @Post()
  async invite(@Body() dto: InviteUserDto, @Auth() auth: AuthContext) {
    const { user, temporaryPassword } = await this.admin.invite(dto, actorOf(auth));
    return { ...user, temporaryPassword };
  }

  @RequirePermission(Permission.UsersManage)
  @Patch(':id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto, @Auth() auth: AuthContext) {
    return this.admin.update(id, dto, actorOf(auth));
  }

  @RequirePermission(Permission.UsersManage)
  @Post(':id/unlock')
  @HttpCode(200)
  unlock(@Param('id', new ParseUUIDPipe()) id: string, @Auth() auth: AuthContext) {
    return this.admin.unlock(id, actorOf(auth));
  }

  @RequirePermission(Permission.UsersManage)
  @Post(':id/reset-mfa')
  @HttpCode(200)
  resetMfa(@Param('id', new ParseUUIDPipe()) id: string, @Auth() auth: AuthContext) {
    return this.admin.resetMfa(id, actorOf(auth));
  }

  @RequirePermission(Permission.UsersManage)
  @Post(':id/revoke-sessions')
  @HttpCode(200)
  revokeSessions(@Param('id', new ParseUUIDPipe()) id: string, @Auth() auth: AuthContext) {
    return this.admin.revokeSessions(id, actorOf(auth));
  }
}
