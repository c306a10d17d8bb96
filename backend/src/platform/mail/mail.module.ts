import { Global, Module } from '@nestjs/common';
import { TlsMailer } from './tls-mailer.js';

@Global()
@Module({ providers: [TlsMailer], exports: [TlsMailer] })
export class MailModule {}
