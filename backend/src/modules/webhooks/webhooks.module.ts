import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { WebhooksDeliverProcessor } from './processors/webhooks-deliver.processor.js';
import { WebhookDispatcher } from './webhook-dispatcher.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** Outbound webhooks: the dispatcher in schedulers, delivery attempts in workers, the API in api processes. */
@Module({})
export class WebhooksModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [WebhooksService];
    if (roles.includes('scheduler')) providers.push(WebhookDispatcher);
    if (roles.includes('worker')) providers.push(WebhooksDeliverProcessor);
    return { module: WebhooksModule, controllers: roles.includes('api') ? [WebhooksController] : [], providers, exports: [WebhooksService] };
  }
}
