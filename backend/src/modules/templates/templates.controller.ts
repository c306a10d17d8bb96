import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { CreateTemplateDto, PreviewDto, UpdateDraftDto } from './dto/template.dto.js';
import { TemplatesService } from './templates.service.js';

@ApiTags('templates')
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @RequirePermission(Permission.TemplatesRead)
  @Get()
  async list() {
    const data = await this.templates.list();
    return { data, total: data.length };
  }

  @RequirePermission(Permission.TemplatesManage)
  @Post()
  create(@Body() dto: CreateTemplateDto, @Auth() auth: AuthContext) {
    return this.templates.create(dto, actorOf(auth));
  }

  @RequirePermission(Permission.TemplatesRead)
  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number) {
    return this.templates.get(id);
  }

  @RequirePermission(Permission.TemplatesManage)
  @Patch(':id/draft')
  updateDraft(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateDraftDto, @Auth() auth: AuthContext) {
    return this.templates.updateDraft(id, dto, actorOf(auth));
  }

  @RequirePermission(Permission.TemplatesManage)
  @Post(':id/publish')
  @HttpCode(200)
  publish(@Param('id', ParseIntPipe) id: number, @Auth() auth: AuthContext) {
    return this.templates.publish(id, actorOf(auth));
  }

  @RequirePermission(Permission.TemplatesRead)
  @Get(':id/versions/:version')
  version(@Param('id', ParseIntPipe) id: number, @Param('version', ParseIntPipe) version: number) {
    return this.templates.getVersion(id, version);
  }

  /** With the built-in sample patient; with `contactId`, that contact's real data (needs phi:reveal, audited as a PHI reveal). */
  @RequirePermission(Permission.TemplatesRead)
  @Post(':id/versions/:version/preview')
  @HttpCode(200)
  preview(@Param('id', ParseIntPipe) id: number, @Param('version', ParseIntPipe) version: number, @Body() dto: PreviewDto, @Auth() auth: AuthContext) {
    if (dto.contactId === undefined) return this.templates.preview(id, version, dto.data);
    return this.templates.previewForContact(id, version, dto.contactId, actorOf(auth), auth.permissions.includes(Permission.PhiReveal));
  }
}
