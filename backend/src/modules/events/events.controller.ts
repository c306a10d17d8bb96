import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { EventsApiService } from './events-api.service.js';

@ApiTags('events')
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: EventsApiService) {}

  /**
   * One event, or `{ events: [...] }` with up to 1,000. Each names its contact by `{ email }` or `{ identifier: { system, value } }`
   * and carries an `idempotencyKey` (or the request an `Idempotency-Key` header, keyed per position). 202 with a result per event.
   */
  @RequirePermission(Permission.EventsWrite)
  @Post()
  @HttpCode(202)
  ingest(@Body() body: unknown, @Headers('idempotency-key') batchKey: string | undefined, @Auth() auth: AuthContext) {
    return this.events.ingest(body, batchKey, actorOf(auth));
  }
}
