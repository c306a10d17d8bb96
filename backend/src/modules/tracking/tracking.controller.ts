import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, RateLimit } from '../../platform/http/index.js';
import { LINK_INVALID } from '../contacts/index.js';
import { TRACKING_RATE_LIMIT, hitOf } from './tracking-http.js';
import { TrackingService } from './tracking.service.js';

/** A transparent 1x1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Open pixel and click redirect, reached from e-mails. The token is opaque; a bad one gets 404 and no detail. */
@ApiExcludeController()
@Controller('t')
export class TrackingController {
  constructor(private readonly tracking: TrackingService) {}

  @Public()
  @RateLimit(TRACKING_RATE_LIMIT)
  @Get('o/:token.gif')
  async open(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    if (!(await this.tracking.open(token, hitOf(req)))) {
      notFound(res);
      return;
    }
    // Webmail loads the pixel from its own origin: allow that, and never let a cache answer for us.
    res.status(200).set({ 'Content-Type': 'image/gif', 'Cache-Control': 'no-store, max-age=0', 'Cross-Origin-Resource-Policy': 'cross-origin' }).send(PIXEL);
  }

  @Public()
  @RateLimit(TRACKING_RATE_LIMIT)
  @Get('c/:token')
  async click(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    const destination = await this.tracking.click(token, hitOf(req));
    if (destination === null) {
      notFound(res);
      return;
    }
    res.set('Cache-Control', 'no-store').redirect(302, destination);
  }
}

function notFound(res: Response): void {
  res.status(404).type('html').send(LINK_INVALID);
}
