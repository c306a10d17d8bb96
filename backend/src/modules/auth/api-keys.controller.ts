import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyDto } from './dto/api-key.dto.js';

@ApiTags('api-keys')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @RequirePermission(Permission.ApiKeysRead)
  @Get()
  async list() {
    const data = await this.apiKeys.list();
    return { data, total: data.length };
  }

  /** The key itself is in this answer only: it is stored hashed. */
  @RequirePermission(Permission.ApiKeysManage)
  @Post()
  async create(@Body() dto: CreateApiKeyDto, @Auth() auth: AuthContext) {
    const { key, apiKey } = await this.apiKeys.create(dto, actorOf(auth));
    return { ...apiKey, key };
  }

  @RequirePermission(Permission.ApiKeysManage)
  @Delete(':id')
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @Auth() auth: AuthContext) {
    return this.apiKeys.revoke(id, actorOf(auth));
  }
}
