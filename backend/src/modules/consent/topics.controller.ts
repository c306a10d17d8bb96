import { Body, Controller, Get, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { ConsentService } from './consent.service.js';
import { CreateAuthorizationTextDto, CreateTopicDto, UpdateTopicDto } from './dto/topic.dto.js';
import { TopicsService } from './topics.service.js';

@ApiTags('topics')
@Controller('api/v1')
export class TopicsController {
  constructor(
    private readonly topics: TopicsService,
    private readonly consent: ConsentService,
  ) {}

  @RequirePermission(Permission.TopicsRead)
  @Get('topics')
  async list() {
    const data = await this.topics.list(true);
    return { data, total: data.length };
  }

  @RequirePermission(Permission.TopicsRead)
  @Get('topics/:id')
  get(@Param('id', ParseIntPipe) id: number) {
    return this.topics.get(id);
  }

  @RequirePermission(Permission.TopicsManage)
  @Post('topics')
  create(@Body() dto: CreateTopicDto, @Auth() auth: AuthContext) {
    return this.topics.create(dto, actorOf(auth));
  }

  @RequirePermission(Permission.TopicsManage)
  @Patch('topics/:id')
  update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateTopicDto, @Auth() auth: AuthContext) {
    return this.topics.update(id, dto, actorOf(auth));
  }

  @RequirePermission(Permission.TopicsRead)
  @Get('authorization-texts')
  async texts() {
    const data = await this.consent.listAuthorizationTexts();
    return { data, total: data.length };
  }

  /** Texts are immutable once published: a change is a new version. */
  @RequirePermission(Permission.TopicsManage)
  @Post('authorization-texts')
  async addText(@Body() dto: CreateAuthorizationTextDto) {
    return { id: await this.consent.addAuthorizationText(dto) };
  }
}
