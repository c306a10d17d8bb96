import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { EHR_EVENT_TYPES } from './events.types.js';
import { EHR_FIELD_GROUPS, EhrMappingService } from './inbound/ehr-mapping.service.js';
import { InboundService } from './inbound/inbound.service.js';

class InboundFilterDto {
  @IsOptional() @IsIn(['processed', 'rejected', 'dead_letter', 'duplicate']) status?: string;
  @IsOptional() @IsIn(['fhir', 'hl7-mllp', 'hl7-http']) channel?: string;
}

/** The integrations page: endpoints, the EHR mapping, inbound messages and dead letters (outcomes only, never payloads). */
@ApiTags('integrations')
@Controller('api/v1/integrations')
export class IntegrationsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mappings: EhrMappingService,
    private readonly inbound: InboundService,
  ) {}

  @RequirePermission(Permission.IntegrationsRead)
  @Get('endpoints')
  async endpoints() {
    const base = this.config.PUBLIC_URL.replace(/\/+$/, '');
    return {
      events: `${base}/api/v1/events`,
      fhir: `${base}/api/v1/fhir`,
      hl7Http: `${base}/api/v1/hl7`,
      hl7Mllp: this.config.HL7_MLLP_PORT ? `mllp://${this.config.HL7_MLLP_HOST}:${this.config.HL7_MLLP_PORT}` : null,
      retentionDays: this.config.INBOUND_RETENTION_DAYS,
      scope: Permission.EventsWrite,
      counts: await this.inbound.stats(),
    };
  }

  @RequirePermission(Permission.IntegrationsRead)
  @Get('mapping')
  async mapping() {
    return { ...(await this.mappings.current()), options: { eventTypes: EHR_EVENT_TYPES, fields: EHR_FIELD_GROUPS } };
  }

  @RequirePermission(Permission.IntegrationsManage)
  @Put('mapping')
  updateMapping(@Body() body: Record<string, unknown>, @Auth() auth: AuthContext) {
    return this.mappings.update(body, actorOf(auth));
  }

  @RequirePermission(Permission.IntegrationsRead)
  @Get('inbound-messages')
  list(@Query() query: ListQueryDto) {
    const filter = parseFilter(InboundFilterDto, query.filter);
    return this.inbound.list({ status: filter.status, channel: filter.channel }, { offset: query.offset, limit: query.perPage });
  }

  @RequirePermission(Permission.IntegrationsRead)
  @Get('inbound-messages/:id')
  get(@Param('id') id: string) {
    return this.inbound.get(id);
  }

  @RequirePermission(Permission.IntegrationsManage)
  @Post('inbound-messages/:id/reprocess')
  @HttpCode(200)
  reprocess(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.inbound.reprocess(id, actorOf(auth));
  }
}
