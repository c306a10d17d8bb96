import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, ListQueryDto, parseFilter, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { ContactsService } from './contacts.service.js';
import { BulkUpsertDto, ContactFilterDto, LookupDto } from './dto/contact.dto.js';

@ApiTags('contacts')
@Controller('api/v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @RequirePermission(Permission.ContactsRead)
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.contacts.list(parseFilter(ContactFilterDto, query.filter), { offset: query.offset, limit: query.perPage, order: query.order });
  }

  @RequirePermission(Permission.ContactsWrite)
  @Post()
  create(@Body() body: Record<string, unknown>, @Auth() auth: AuthContext) {
    return this.contacts.create(body, actorOf(auth));
  }

  /** Up to 10,000 contacts per call, a result per item: one bad item never fails the others. */
  @RequirePermission(Permission.ContactsWrite)
  @Post('bulk')
  @HttpCode(200)
  bulk(@Body() dto: BulkUpsertDto, @Auth() auth: AuthContext) {
    return this.contacts.bulkUpsert(dto.contacts, dto.onExisting, actorOf(auth), dto.consent);
  }

  /** Look-up by e-mail or external identifier: the value travels in the body, never in the URL. */
  @RequirePermission(Permission.ContactsRead)
  @Post('lookup')
  @HttpCode(200)
  lookup(@Body() dto: LookupDto) {
    return this.contacts.lookup(dto);
  }

  @RequirePermission(Permission.ContactsRead)
  @Get(':id')
  get(@Param('id') id: string) {
    return this.contacts.get(id);
  }

  @RequirePermission(Permission.ContactsRead, Permission.PhiReveal)
  @Post(':id/reveal')
  @HttpCode(200)
  reveal(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.contacts.reveal(id, actorOf(auth));
  }

  @RequirePermission(Permission.ContactsExport)
  @Get(':id/export')
  export(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.contacts.exportRecord(id, actorOf(auth));
  }

  @RequirePermission(Permission.ContactsWrite)
  @Patch(':id')
  update(@Param('id') id: string, @Body() body: Record<string, unknown>, @Auth() auth: AuthContext) {
    return this.contacts.update(id, body, actorOf(auth));
  }

  /** Erasure on request: PHI removed; consent history and audit kept without PHI. */
  @RequirePermission(Permission.ContactsErase)
  @Delete(':id')
  erase(@Param('id') id: string, @Auth() auth: AuthContext) {
    return this.contacts.erase(id, actorOf(auth));
  }
}
