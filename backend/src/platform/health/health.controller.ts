import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../http/index.js';
import { HealthService, type Readiness } from './health.service.js';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers. Nothing else is checked so a slow database never restarts it. */
  @Public()
  @Get('healthz')
  @HttpCode(200)
  liveness() {
    return { status: 'ok' };
  }

  /** Readiness: Postgres answers, migrations are applied, Redis answers. */
  @Public()
  @Get('readyz')
  async readiness(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const readiness = await this.health.readiness();
    res.status(readiness.status === 'ok' ? 200 : 503);
    return readiness;
  }
}
