import { Body, Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ClientInfo, Public } from '../../platform/http/index.js';
import { confirmPage, LINK_INVALID, messagePage, preferencesPage } from './preference-pages.js';
import { PreferenceCenterService } from './preference-center.service.js';

type Client = { ip: string | null; userAgent: string | null };

/** Public pages reached from links in e-mails. The token is opaque; a bad one gets 404 and no detail. */
@ApiExcludeController()
@Controller('p')
export class PreferencesController {
  constructor(private readonly center: PreferenceCenterService) {}

  /** GET shows a button: link scanners that prefetch URLs must not confirm a subscription. */
  @Public()
  @Get('confirm/:token')
  @Header('Content-Type', 'text/html; charset=utf-8')
  confirmForm(@Param('token') token: string) {
    return confirmPage(token);
  }

  @Public()
  @Post('confirm/:token')
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async confirm(@Param('token') token: string, @ClientInfo() client: Client, @Res({ passthrough: true }) res: Response) {
    const done = await this.center.confirm(token, client);
    if (!done) return notFound(res);
    return messagePage('Subscription confirmed', `Thank you. You will receive "${done.topicName}".`);
  }

  @Public()
  @Get(':token')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async show(@Param('token') token: string, @Res({ passthrough: true }) res: Response) {
    const page = await this.center.page(token);
    return page ? preferencesPage(page, token) : notFound(res);
  }

  @Public()
  @Post(':token')
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async save(@Param('token') token: string, @Body() body: Record<string, unknown>, @ClientInfo() client: Client, @Res({ passthrough: true }) res: Response) {
    const raw = body.topic;
    const wanted = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((t): t is string => typeof t === 'string');
    if (!(await this.center.save(token, wanted, client))) return notFound(res);
    const page = await this.center.page(token);
    return page ? preferencesPage(page, token, 'Your preferences are saved.') : notFound(res);
  }

  @Public()
  @Post(':token/unsubscribe')
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async unsubscribe(@Param('token') token: string, @ClientInfo() client: Client, @Res({ passthrough: true }) res: Response) {
    if (!(await this.center.unsubscribeAll(token, client))) return notFound(res);
    return messagePage('You are unsubscribed', 'You will not receive marketing e-mail from us any more. Messages about your care are not affected.');
  }
}

function notFound(res: Response): string {
  res.status(404);
  return LINK_INVALID;
}
