import { Controller, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../platform/http/index.js';
import { buttonPage, LINK_INVALID, messagePage } from '../contacts/index.js';
import { hitOf } from './tracking-http.js';
import { TrackingService } from './tracking.service.js';

/**
 * One-click unsubscribe (RFC 8058). Mailbox providers POST `List-Unsubscribe=One-Click` to the List-Unsubscribe URL;
 * a reader who opens the same URL gets a page whose button sends that same POST. A GET never unsubscribes:
 * link scanners prefetch URLs.
 */
@ApiExcludeController()
@Controller('u')
export class UnsubscribeController {
  constructor(private readonly tracking: TrackingService) {}

  @Public()
  @Get(':token')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async page(@Param('token') token: string, @Res({ passthrough: true }) res: Response) {
    if (!(await this.tracking.canUnsubscribe(token))) return notFound(res);
    return buttonPage({
      title: 'Unsubscribe',
      text: 'Press the button to stop receiving these e-mails. It takes effect immediately.',
      action: `/u/${encodeURIComponent(token)}`,
      button: 'Unsubscribe',
      fields: { 'List-Unsubscribe': 'One-Click' },
    });
  }

  @Public()
  @Post(':token')
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async unsubscribe(@Param('token') token: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (!(await this.tracking.unsubscribe(token, hitOf(req)))) return notFound(res);
    return messagePage('You are unsubscribed', 'You will not receive these e-mails any more.');
  }
}

function notFound(res: Response): string {
  res.status(404);
  return LINK_INVALID;
}
