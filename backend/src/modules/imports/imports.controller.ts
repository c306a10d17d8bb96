import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '../../platform/errors/index.js';
import { Auth, type AuthContext, ListQueryDto, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { ConfigureImportDto } from './dto/import.dto.js';
import { ImportsService } from './imports.service.js';

@ApiTags('imports')
@Controller('api/v1/imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @RequirePermission(Permission.ImportsRead)
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.imports.list({ offset: query.offset, limit: query.perPage });
  }

  /** The CSV is the raw request body (text/csv), streamed: any size, constant memory. The name travels in `x-file-name`. */
  @RequirePermission(Permission.ImportsWrite)
  @Post()
  @ApiConsumes('text/csv', 'application/octet-stream')
  upload(@Req() req: Request, @Auth() auth: AuthContext) {
    const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!['text/csv', 'application/octet-stream', 'text/plain', 'application/vnd.ms-excel'].includes(type)) {
      throw new DomainError('import_content_type', 'Send the file as the request body with Content-Type text/csv', 415, [
        { field: 'content-type', message: 'expected text/csv' },
      ]);
    }
    let name = 'upload.csv';
    try {
      name = decodeURIComponent(req.get('x-file-name') ?? name);
    } catch {
      // keep the default name
    }
    return this.imports.upload(name, req, actorOf(auth));
  }

  @RequirePermission(Permission.ImportsRead)
  @Get(':id')
  get(@Param('id') id: string) {
    return this.imports.get(id);
  }

  /** The first rows of the file: PHI, shown to whoever may import, and audited. */
  @RequirePermission(Permission.ImportsWrite)
  @Get(':id/preview')
  preview(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.imports.preview(id, actorOf(auth));
  }

  @RequirePermission(Permission.ImportsWrite)
  @Put(':id/configuration')
  configure(@Param('id') id: string, @Body() dto: ConfigureImportDto, @Auth() auth: AuthContext) {
    return this.imports.configure(id, dto, actorOf(auth));
  }

  @RequirePermission(Permission.ImportsWrite)
  @Post(':id/validate')
  @HttpCode(202)
  validate(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.imports.start(id, true, actorOf(auth));
  }

  @RequirePermission(Permission.ImportsWrite)
  @Post(':id/start')
  @HttpCode(202)
  start(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.imports.start(id, false, actorOf(auth));
  }

  @RequirePermission(Permission.ImportsWrite)
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.imports.cancel(id, actorOf(auth));
  }

  @RequirePermission(Permission.ImportsRead)
  @Get(':id/errors')
  errors(@Param('id') id: string, @Query() query: ListQueryDto) {
    return this.imports.errors(id, { offset: query.offset, limit: query.perPage });
  }

  @RequirePermission(Permission.ImportsRead)
  @Get(':id/errors.csv')
  async errorReport(@Param('id') id: string, @Res() res: Response) {
    const report = this.imports.errorReport(id);
    const first = await report.next();
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="import-${id}-errors.csv"`);
    if (!first.done) res.write(first.value);
    for await (const part of report) if (!res.write(part)) await new Promise((r) => res.once('drain', r));
    res.end();
  }
}
