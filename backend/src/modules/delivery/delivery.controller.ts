import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { DeliveryService } from './delivery.service.js';
import { DomainTlsService } from './domain-tls.service.js';
import { DeliveryFilterDto, DomainFilterDto, ProbeDomainDto, ReachabilityDto, SendingDomainDto, TlsReportQueryDto } from './dto/delivery.dto.js';
import { ReachabilityService } from './reachability.service.js';
import { SendingDomainsService } from './sending-domains.service.js';

const DAY_MS = 86_400_000;

@ApiTags('delivery')
@Controller('api/v1/delivery')
export class DeliveryController {
  constructor(
    private readonly deliveries: DeliveryService,
    private readonly domains: DomainTlsService,
    private readonly sendingDomains: SendingDomainsService,
    private readonly reachability: ReachabilityService,
  ) {}

  /** The delivery log: TLS evidence per message; filter `{status, domain, campaignId, journeyId, contactId, tlsVersion, since}`. */
  @RequirePermission(Permission.DeliveryRead)
  @Get('messages')
  list(@Query() query: ListQueryDto) {
    const filter = parseFilter(DeliveryFilterDto, query.filter);
    return this.deliveries.list(
      {
        status: filter.status,
        domain: filter.domain,
        campaignId: filter.campaignId,
        journeyId: filter.journeyId,
        contactId: filter.contactId,
        tlsVersion: filter.tlsVersion,
        since: filter.since ? new Date(filter.since) : undefined,
      },
      { offset: query.offset, limit: query.perPage },
    );
  }

  @RequirePermission(Permission.DeliveryRead)
  @Get('messages/:id')
  get(@Param('id') id: string) {
    return this.deliveries.get(id);
  }

  /** Everything that happened to one message, oldest first. */
  @RequirePermission(Permission.DeliveryRead)
  @Get('messages/:id/timeline')
  timeline(@Param('id') id: string) {
    return this.deliveries.timeline(id);
  }

  @RequirePermission(Permission.DeliveryRead)
  @Get('stats')
  stats(@Query('campaignId') campaignId?: string, @Query('journeyId') journeyId?: string) {
    return this.deliveries.statusCounts({
      campaignId: /^\d+$/.test(campaignId ?? '') ? campaignId : undefined,
      journeyId: /^\d+$/.test(journeyId ?? '') ? journeyId : undefined,
    });
  }

  /** Domain TLS report: each recipient domain's last known TLS capability. */
  @RequirePermission(Permission.DeliveryRead)
  @Get('domains')
  listDomains(@Query() query: ListQueryDto) {
    const filter = parseFilter(DomainFilterDto, query.filter);
    return this.domains.list({ offset: query.offset, limit: query.perPage }, filter.status);
  }

  /** Probes a domain now (EHLO + STARTTLS, no message) and returns what was found. */
  @RequirePermission(Permission.DeliveryRead)
  @Post('domains/probe')
  @HttpCode(200)
  probe(@Body() body: ProbeDomainDto) {
    return this.domains.probe(body.domain.toLowerCase());
  }

  /** Share of an audience (a saved segment, or all active contacts) reachable over TLS, by recipient domain; unknown domains get probed. */
  @RequirePermission(Permission.DeliveryRead)
  @Post('reachability')
  @HttpCode(200)
  reach(@Body() body: ReachabilityDto) {
    return this.reachability.forAudience({ segmentId: body.segmentId });
  }

  /** TLS failures in the RFC 8460 (TLSRPT) JSON shape, for a period (default: the last 24 hours). */
  @RequirePermission(Permission.DeliveryRead)
  @Get('tls-report')
  tlsReport(@Query() query: TlsReportQueryDto) {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
    return this.domains.tlsReport(from, to);
  }

  @RequirePermission(Permission.DeliveryRead)
  @Get('sending-domains')
  listSendingDomains() {
    return this.sendingDomains.list();
  }

  /** Adds a sending domain and generates its DKIM key; the response lists the DNS records to publish. */
  @RequirePermission(Permission.DeliveryManage)
  @Post('sending-domains')
  createSendingDomain(@Body() body: SendingDomainDto, @Auth() auth: AuthContext) {
    return this.sendingDomains.create(body, actorOf(auth));
  }

  @RequirePermission(Permission.DeliveryManage)
  @Delete('sending-domains/:id')
  @HttpCode(204)
  async removeSendingDomain(@Param('id', ParseIntPipe) id: number, @Auth() auth: AuthContext) {
    await this.sendingDomains.remove(id, actorOf(auth));
  }
}
