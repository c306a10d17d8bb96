import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf, AuditService } from '../audit/index.js';
import { CampaignChecks } from './campaign-checks.service.js';
import { CampaignReports } from './campaign-reports.service.js';
import { CampaignsService } from './campaigns.service.js';
import { AudienceCountDto, CampaignDto, CampaignFilterDto, ReviewDto } from './dto/campaign.dto.js';

@ApiTags('campaigns')
@Controller('api/v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly checks: CampaignChecks,
    private readonly reports: CampaignReports,
    private readonly audit: AuditService,
  ) {}

  /** Filter `{status, q}` (q: part of the name). */
  @RequirePermission(Permission.CampaignsRead)
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.campaigns.list(parseFilter(CampaignFilterDto, query.filter), { offset: query.offset, limit: query.perPage });
  }

  @RequirePermission(Permission.CampaignsManage)
  @Post()
  create(@Body() dto: CampaignDto, @Auth() auth: AuthContext) {
    return this.campaigns.create(dto, actorOf(auth));
  }

  /** Live audience size of segments being picked, before the campaign is saved. */
  @RequirePermission(Permission.CampaignsRead)
  @Post('audience-count')
  @HttpCode(200)
  audienceCount(@Body() dto: AudienceCountDto) {
    return this.campaigns.audienceCount(dto.includeSegmentIds, dto.excludeSegmentIds ?? []);
  }

  @RequirePermission(Permission.CampaignsRead)
  @Get(':id')
  get(@Param('id') id: string) {
    return this.campaigns.get(id);
  }

  /** Drafts only: 409 once submitted. */
  @RequirePermission(Permission.CampaignsManage)
  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: CampaignDto, @Auth() auth: AuthContext) {
    return this.campaigns.update(id, dto, actorOf(auth));
  }

  /** Audience size, exclusions with reasons, TLS reachability, template warnings and DKIM status, for review. */
  @RequirePermission(Permission.CampaignsRead)
  @Get(':id/checks')
  preSendChecks(@Param('id') id: string) {
    return this.checks.run(id);
  }

  @RequirePermission(Permission.CampaignsManage)
  @Post(':id/submit')
  @HttpCode(200)
  submit(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.campaigns.submit(id, actorOf(auth));
  }

  @RequirePermission(Permission.CampaignsManage)
  @Post(':id/withdraw')
  @HttpCode(200)
  withdraw(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.campaigns.withdraw(id, actorOf(auth));
  }

  @RequirePermission(Permission.CampaignsApprove)
  @Post(':id/approve')
  @HttpCode(200)
  approve(@Param('id') id: string, @Body() dto: ReviewDto, @Auth() auth: AuthContext) {
    return this.campaigns.approve(id, actorOf(auth), dto.note);
  }

  @RequirePermission(Permission.CampaignsApprove)
  @Post(':id/reject')
  @HttpCode(200)
  reject(@Param('id') id: string, @Body() dto: ReviewDto, @Auth() auth: AuthContext) {
    return this.campaigns.reject(id, actorOf(auth), dto.note);
  }

  @RequirePermission(Permission.CampaignsManage)
  @Post(':id/schedule')
  @HttpCode(200)
  schedule(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.campaigns.schedule(id, actorOf(auth));
  }

  @RequirePermission(Permission.CampaignsManage)
  @Post(':id/pause')
  @HttpCode(200)
  pause(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.campaigns.pause(id, actorOf(auth));
  }

  @RequirePermission(Permission.CampaignsManage)
  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.campaigns.resume(id, actorOf(auth));
  }

  @RequirePermission(Permission.CampaignsManage)
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.campaigns.cancel(id, actorOf(auth));
  }

  /** Queued / sending / sent / dropped / bounced / failed of the total, the rate over the last minute and an ETA. */
  @RequirePermission(Permission.CampaignsRead)
  @Get(':id/progress')
  progress(@Param('id') id: string) {
    return this.reports.progress(id);
  }

  @RequirePermission(Permission.ReportsRead)
  @Get(':id/report')
  report(@Param('id') id: string) {
    return this.reports.report(id);
  }

  /** Aggregates only (no contact data); the export is audited all the same. */
  @RequirePermission(Permission.ReportsRead)
  @Get(':id/report.csv')
  async reportCsv(@Param('id') id: string, @Auth() auth: AuthContext, @Res() res: Response) {
    const csv = await this.reports.csv(id);
    await this.audit.record({ actor: actorOf(auth), action: 'campaign.report_exported', subject: { type: 'campaign', id } });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="campaign-${id}-report.csv"`);
    res.end(csv);
  }
}
