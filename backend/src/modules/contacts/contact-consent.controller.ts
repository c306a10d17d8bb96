import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf, AuditService } from '../audit/index.js';
import { ConsentService } from '../consent/index.js';
import { ContactConsentService } from './contact-consent.service.js';
import { ContactsService } from './contacts.service.js';
import { ConsentChangeDto, SignAuthorizationDto } from './dto/contact.dto.js';

@ApiTags('consent')
@Controller('api/v1/contacts/:id')
export class ContactConsentController {
  constructor(
    private readonly consents: ContactConsentService,
    private readonly consent: ConsentService,
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
  ) {}

  @RequirePermission(Permission.ContactsRead)
  @Get('consents')
  overview(@Param('id') id: string) {
    return this.consents.overview(id);
  }

  @RequirePermission(Permission.ConsentWrite)
  @Post('consents')
  change(@Param('id') id: string, @Body() dto: ConsentChangeDto, @Auth() auth: AuthContext) {
    return this.consents.change(id, dto, actorOf(auth));
  }

  /** A signed HIPAA marketing authorization (45 CFR 164.508) against a published text version. */
  @RequirePermission(Permission.ConsentWrite)
  @Post('authorizations')
  async sign(@Param('id') id: string, @Body() dto: SignAuthorizationDto, @Auth() auth: AuthContext) {
    await this.contacts.get(id);
    const authorizationId = await this.consent.signAuthorization({
      contactId: id,
      textId: dto.textId,
      signedAt: dto.signedAt,
      expiresAt: dto.expiresAt,
      expiryEvent: dto.expiryEvent,
      evidence: dto.evidence ?? {},
    });
    await this.audit.record({
      actor: actorOf(auth),
      action: 'authorization.signed',
      subject: { type: 'contact', id },
      details: { authorizationId, textId: dto.textId },
    });
    return { id: authorizationId };
  }

  @RequirePermission(Permission.ConsentWrite)
  @Post('authorizations/:authorizationId/revoke')
  @HttpCode(200)
  async revoke(@Param('id') id: string, @Param('authorizationId') authorizationId: string, @Auth() auth: AuthContext) {
    const revoked = await this.consent.revokeAuthorization(id, authorizationId, 'admin');
    await this.audit.record({ actor: actorOf(auth), action: 'authorization.revoked', subject: { type: 'contact', id }, details: { authorizationId, revoked } });
    return { revoked };
  }
}
