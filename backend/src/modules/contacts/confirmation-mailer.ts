import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { DomainError } from '../../platform/errors/index.js';
import { TlsMailer } from '../../platform/mail/tls-mailer.js';

/** The double opt-in confirmation message, sent through the TLS-only mail path. */
@Injectable()
export class ConfirmationMailer {
  constructor(
    private readonly mailer: TlsMailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sendConfirmation(to: string, firstName: string | undefined, topicName: string, token: string): Promise<void> {
    const link = `${this.config.PUBLIC_URL}/p/confirm/${token}`;
    const greeting = firstName ? `Hello ${escapeHtml(firstName)},` : 'Hello,';
    const result = await this.mailer.send({
      to,
      from: this.config.MAIL_FROM,
      subject: 'Please confirm your subscription',
      text: `${firstName ? `Hello ${firstName},` : 'Hello,'}\n\nPlease confirm that you want to receive "${topicName}" from us:\n${link}\n\nIf you did not ask for this, ignore this message: nothing will be sent.\n`,
      html: `<!doctype html><html lang="en"><body style="font-family:Arial,sans-serif;color:#1a1a1a"><p>${greeting}</p><p>Please confirm that you want to receive <strong>${escapeHtml(topicName)}</strong> from us.</p><p><a href="${link}" style="background:#0b5cab;color:#fff;padding:10px 16px;border-radius:4px;text-decoration:none">Confirm my subscription</a></p><p style="color:#555">If you did not ask for this, ignore this message: nothing will be sent.</p></body></html>`,
    });
    if (result.status !== 'sent') throw new DomainError('confirmation_not_sent', `confirmation not sent: ${result.status}`, 503);
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
