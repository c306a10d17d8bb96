import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../../platform/http/index.js';
import { actorOf } from '../../audit/index.js';
import { InboundService } from '../inbound/inbound.service.js';

/**
 * FHIR R4 in: a resource or a Bundle (batch, transaction, collection, message) of Patient, Appointment, Encounter,
 * Condition and Coverage, and R4 Subscriptions Backport notifications (id-only and full-resource). Answers are FHIR:
 * an OperationOutcome, or a batch/transaction response Bundle.
 */
@ApiTags('fhir')
@Controller('api/v1/fhir')
export class FhirController {
  constructor(private readonly inbound: InboundService) {}

  @RequirePermission(Permission.EventsWrite)
  @Post()
  @HttpCode(200)
  @ApiConsumes('application/fhir+json', 'application/json')
  async any(@Req() req: Request, @Res() res: Response, @Auth() auth: AuthContext) {
    await this.reply(res, await this.inbound.receiveFhir(body(req), undefined, actorOf(auth)));
  }

  @RequirePermission(Permission.EventsWrite)
  @Post(':resourceType')
  @HttpCode(200)
  @ApiConsumes('application/fhir+json', 'application/json')
  async typed(@Param('resourceType') resourceType: string, @Req() req: Request, @Res() res: Response, @Auth() auth: AuthContext) {
    await this.reply(res, await this.inbound.receiveFhir(body(req), resourceType.slice(0, 64), actorOf(auth)));
  }

  private async reply(res: Response, result: { status: number; body: unknown; id: string | null }) {
    if (result.id) res.setHeader('x-inbound-message-id', result.id);
    res.status(result.status).type('application/fhir+json').send(JSON.stringify(result.body));
    await Promise.resolve();
  }
}

function body(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}
