import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ImportsService } from './imports.service.js';

const EVERY_MS = 60_000;

/** Scheduler side: imports whose job vanished (a killed worker, a flushed Redis) are queued again. */
@Injectable()
export class ImportSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportSweeperService.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly imports: ImportsService) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => {
      this.imports.requeueStalled().then(
        (n) => n && this.logger.log({ requeued: n }, 'stalled imports re-queued'),
        (err: unknown) => this.logger.warn({ err }, 'import sweep failed'),
      );
    }, EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }
}
