import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import {
  CreateJourneyDto,
  EnrollDto,
  EnrollmentFilterDto,
  JourneyFilterDto,
  MigrateDto,
  RemoveContactDto,
  StatsQueryDto,
  UpdateJourneyDto,
  ValidateJourneyDto,
} from './dto/journey.dto.js';
import { JourneyStatsService } from './journey-stats.service.js';
import { JourneyTriggers } from './journey-triggers.js';
import { JourneysService } from './journeys.service.js';

@ApiTags('journeys')
@Controller('api/v1/journeys')
export class JourneysController {
  constructor(
    private readonly journeys: JourneysService,
    private readonly triggers: JourneyTriggers,
    private readonly statsService: JourneyStatsService,
  ) {}

  @RequirePermission(Permission.JourneysRead)
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.journeys.list({ offset: query.offset, limit: query.perPage }, parseFilter(JourneyFilterDto, query.filter).status);
  }

  /** Creates a journey with a draft graph (a trigger and an exit when none is given); answers the draft's problems too. */
  @RequirePermission(Permission.JourneysManage)
  @Post()
  create(@Body() dto: CreateJourneyDto, @Auth() auth: AuthContext) {
    return this.journeys.create(dto, actorOf(auth));
  }

  /** The problems of a graph, each naming its node, without saving anything. */
  @RequirePermission(Permission.JourneysRead)
  @Post('validate')
  @HttpCode(200)
  async validate(@Body() dto: ValidateJourneyDto) {
    return { problems: await this.journeys.problems(dto.graph) };
  }

  /** A contact's journeys with their steps (no PHI: node ids, outcomes, times). */
  @RequirePermission(Permission.JourneysRead)
  @Get('contacts/:contactId')
  timeline(@Param('contactId') contactId: string) {
    return this.journeys.contactTimeline(contactId);
  }

  @RequirePermission(Permission.JourneysRead)
  @Get(':id')
  get(@Param('id') id: string) {
    return this.journeys.get(id);
  }

  @RequirePermission(Permission.JourneysManage)
  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateJourneyDto, @Auth() auth: AuthContext) {
    return this.journeys.update(id, dto, actorOf(auth));
  }

  /** Archives: no new enrollments, running ones exit. */
  @RequirePermission(Permission.JourneysManage)
  @Delete(':id')
  archive(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.journeys.archive(id, actorOf(auth));
  }

  @RequirePermission(Permission.JourneysManage)
  @Post(':id/publish')
  @HttpCode(200)
  publish(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.journeys.publish(id, actorOf(auth));
  }

  @RequirePermission(Permission.JourneysManage)
  @Post(':id/pause')
  @HttpCode(200)
  pause(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.journeys.pause(id, actorOf(auth));
  }

  @RequirePermission(Permission.JourneysManage)
  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.journeys.resume(id, actorOf(auth));
  }

  /** Moves running enrollments of older versions to the current (or a given) version. */
  @RequirePermission(Permission.JourneysManage)
  @Post(':id/migrate')
  @HttpCode(200)
  migrate(@Param('id') id: string, @Body() dto: MigrateDto, @Auth() auth: AuthContext) {
    return this.journeys.migrate(id, dto, actorOf(auth));
  }

  @RequirePermission(Permission.JourneysRead)
  @Get(':id/versions/:version')
  version(@Param('id') id: string, @Param('version', ParseIntPipe) version: number) {
    return this.journeys.version(id, version);
  }

  @RequirePermission(Permission.JourneysRead)
  @Get(':id/stats')
  stats(@Param('id') id: string, @Query() query: StatsQueryDto) {
    return this.statsService.stats(id, query.version);
  }

  @RequirePermission(Permission.JourneysRead)
  @Get(':id/enrollments')
  enrollments(@Param('id') id: string, @Query() query: ListQueryDto) {
    return this.journeys.enrollments(id, parseFilter(EnrollmentFilterDto, query.filter), { offset: query.offset, limit: query.perPage });
  }

  @RequirePermission(Permission.JourneysRead)
  @Get(':id/enrollments/:enrollmentId')
  enrollment(@Param('id') id: string, @Param('enrollmentId') enrollmentId: string) {
    return this.journeys.enrollment(id, enrollmentId);
  }

  /** The API-call trigger: enrolls one contact, subject to the journey's entry rule. */
  @RequirePermission(Permission.JourneysManage)
  @Post(':id/enroll')
  @HttpCode(200)
  enroll(@Param('id') id: string, @Body() dto: EnrollDto, @Auth() auth: AuthContext) {
    return this.triggers.enroll(id, dto.contactId, dto.properties, actorOf(auth));
  }

  /** Takes a contact out of the journey. */
  @RequirePermission(Permission.JourneysManage)
  @Post(':id/remove')
  @HttpCode(200)
  remove(@Param('id') id: string, @Body() dto: RemoveContactDto, @Auth() auth: AuthContext) {
    return this.journeys.removeContact(id, dto.contactId, actorOf(auth));
  }
}
