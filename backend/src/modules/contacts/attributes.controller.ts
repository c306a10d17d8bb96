import { Body, Controller, Get, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { AttributesService } from './attributes.service.js';
import { AttributeDefinitionDto, UpdateAttributeDefinitionDto } from './dto/contact.dto.js';

@ApiTags('attributes')
@Controller('api/v1/attributes')
export class AttributesController {
  constructor(private readonly attributes: AttributesService) {}

  @RequirePermission(Permission.AttributesRead)
  @Get()
  async list() {
    const data = await this.attributes.list(true);
    return { data, total: data.length };
  }

  @RequirePermission(Permission.AttributesManage)
  @Post()
  create(@Body() dto: AttributeDefinitionDto, @Auth() auth: AuthContext) {
    return this.attributes.create(dto, actorOf(auth));
  }

  @RequirePermission(Permission.AttributesManage)
  @Patch(':id')
  update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateAttributeDefinitionDto, @Auth() auth: AuthContext) {
    return this.attributes.update(id, dto, actorOf(auth));
  }
}
