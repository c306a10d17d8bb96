import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** HTTP metrics and the scrape endpoint (api role). */
@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule implements NestModule {
  constructor(private readonly metrics: MetricsService) {}

  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply((req: Request, res: Response, next: NextFunction) => {
        const end = this.metrics.httpDuration.startTimer();
        res.on('finish', () => {
          // The matched route template (`/api/v1/contacts/:id`), never the concrete path.
          const route = (req.route as { path?: string } | undefined)?.path;
          end({ method: req.method, route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
        });
        next();
      })
      .forRoutes('*');
  }
}
