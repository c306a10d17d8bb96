import { Body, Controller, Get, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { StartRotationDto } from './dto/start-rotation.dto.js';
import { KeyRotationService } from './key-rotation.service.js';

@ApiTags('keys')
@Controller('api/v1/key-rotations')
export class CryptoController {
  constructor(private readonly rotation: KeyRotationService) {}

  @RequirePermission(Permission.SystemManage)
  @Get()
  async list() {
    const data = await this.rotation.list();
    return { data, total: data.length };
  }

  @RequirePermission(Permission.SystemManage)
  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number) {
    return this.rotation.get(id);
  }

  @RequirePermission(Permission.SystemManage)
  @Post()
  start(@Body() dto: StartRotationDto, @Auth() auth: AuthContext) {
    return this.rotation.start(dto.purpose, actorOf(auth));
  }
}
