import { type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { ConsentModule } from '../consent/index.js';
import { DashboardService } from '../system/index.js';
import { AttributesController } from './attributes.controller.js';
import { AttributesService } from './attributes.service.js';
import { ConfirmationMailer } from './confirmation-mailer.js';
import { ContactConsentController } from './contact-consent.controller.js';
import { ContactConsentService } from './contact-consent.service.js';
import { ContactWriter } from './contact-writer.js';
import { ContactsController } from './contacts.controller.js';
import { ContactsService } from './contacts.service.js';
import { PreferenceCenterService } from './preference-center.service.js';
import { PreferencesController } from './preferences.controller.js';
import { SuppressionsController } from './suppressions.controller.js';

@Module({})
export class ContactsModule implements OnModuleInit {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly contacts: ContactsService,
  ) {}

  static forRoles(roles: ProcessRole[]): DynamicModule {
    return {
      module: ContactsModule,
      // Global: imports, segments and campaigns use it; one instance for the whole app.
      global: true,

      imports: [ConsentModule.forRoles(roles)],
      controllers: roles.includes('api')
        ? [ContactsController, ContactConsentController, SuppressionsController, AttributesController, PreferencesController]
        : [],
      providers: [ContactsService, ContactWriter, AttributesService, ContactConsentService, ConfirmationMailer, PreferenceCenterService],
      exports: [ContactsService, ContactWriter, AttributesService, ContactConsentService, ConsentModule],
    };
  }

  onModuleInit() {
    this.dashboard.register({ key: 'contacts', count: () => this.contacts.count() });
  }
}
