import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Permission, RequirePermission } from '../../platform/http/index.js';
import { TrackingSummaryQueryDto } from './dto/tracking-summary-query.dto.js';
import { TrackingStatsService } from './tracking-stats.service.js';

@ApiTags('tracking')
@Controller('api/v1/tracking')
export class TrackingReportsController {
  constructor(private readonly stats: TrackingStatsService) {}

  /** Opens, clicks and unsubscribes of a campaign: people and machines apart, with unique contacts. */
  @RequirePermission(Permission.ReportsRead)
  @Get('summary')
  summary(@Query() query: TrackingSummaryQueryDto) {
    return this.stats.summary(query.campaignId);
  }
}
