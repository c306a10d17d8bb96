import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional } from 'class-validator';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { WebhooksService } from './webhooks.service.js';
import { WEBHOOK_EVENT_TYPES } from './webhooks.types.js';

class DeliveryFilterDto {
  @IsOptional() @IsInt() subscriptionId?: number;
  @IsOptional() @IsIn(['pending', 'retrying', 'succeeded', 'dead']) status?: string;
}

/** Webhook subscriptions (signing secret shown once, rotatable), the delivery log and manual replay. */
@ApiTags('webhooks')
@Controller('api/v1')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @RequirePermission(Permission.IntegrationsRead)
  @Get('webhooks')
  async list() {
    return { ...(await this.webhooks.list()), eventTypes: WEBHOOK_EVENT_TYPES };
  }

  @RequirePermission(Permission.IntegrationsManage)
  @Post('webhooks')
  create(@Body() body: Record<string, unknown>, @Auth() auth: AuthContext) {
    return this.webhooks.create(body, actorOf(auth));
  }

  @RequirePermission(Permission.IntegrationsRead)
  @Get('webhooks/:id')
  get(@Param('id', ParseIntPipe) id: number) {
    return this.webhooks.get(id);
  }

  @RequirePermission(Permission.IntegrationsManage)
  @Patch('webhooks/:id')
  update(@Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Auth() auth: AuthContext) {
    return this.webhooks.update(id, body, actorOf(auth));
  }

  @RequirePermission(Permission.IntegrationsManage)
  @Delete('webhooks/:id')
  @HttpCode(204)
  remove(@Param('id', ParseIntPipe) id: number, @Auth() auth: AuthContext) {
    return this.webhooks.remove(id, actorOf(auth));
  }

  @RequirePermission(Permission.IntegrationsManage)
  @Post('webhooks/:id/rotate-secret')
  @HttpCode(200)
  rotate(@Param('id', ParseIntPipe) id: number, @Auth() auth: AuthContext) {
    return this.webhooks.rotateSecret(id, actorOf(auth));
  }

  @RequirePermission(Permission.IntegrationsRead)
  @Get('webhook-deliveries')
  deliveries(@Query() query: ListQueryDto) {
    const filter = parseFilter(DeliveryFilterDto, query.filter);
    return this.webhooks.deliveries(filter, { offset: query.offset, limit: query.perPage });
  }

  @RequirePermission(Permission.IntegrationsRead)
  @Get('webhook-deliveries/:id')
  delivery(@Param('id') id: string) {
    return this.webhooks.delivery(id);
  }

  @RequirePermission(Permission.IntegrationsManage)
  @Post('webhook-deliveries/:id/replay')
  @HttpCode(200)
  replay(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.webhooks.replay(id, actorOf(auth));
  }
}
