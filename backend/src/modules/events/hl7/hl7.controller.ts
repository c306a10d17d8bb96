import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../../platform/http/index.js';
import { actorOf } from '../../audit/index.js';
import { InboundService } from '../inbound/inbound.service.js';

/** HL7 v2 over HTTP: the message as the body (text/plain or x-application/hl7-v2+er7); the ACK as the answer (200 AA, 422 AE, 400 AR). */
@ApiTags('hl7')
@Controller('api/v1/hl7')
export class Hl7Controller {
  constructor(private readonly inbound: InboundService) {}

  @RequirePermission(Permission.EventsWrite)
  @Post()
  @HttpCode(200)
  @ApiConsumes('text/plain', 'x-application/hl7-v2+er7')
  async receive(@Req() req: Request, @Res() res: Response, @Auth() auth: AuthContext) {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { code, ack, id } = await this.inbound.receiveHl7(raw, 'hl7-http', actorOf(auth));
    if (id) res.setHeader('x-inbound-message-id', id);
    res
      .status(code === 'AA' ? 200 : code === 'AE' ? 422 : 400)
      .type('x-application/hl7-v2+er7')
      .send(ack);
  }
}
