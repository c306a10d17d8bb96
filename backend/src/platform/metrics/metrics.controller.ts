import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '../errors/index.js';
import { Public } from '../http/index.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint. No session: a bearer token (METRICS_TOKEN); without the setting it does not exist. */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Public()
  @Get('metrics')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (!this.metrics.authorized(authorization)) throw new DomainError('not_found', 'Not found', 404);
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
