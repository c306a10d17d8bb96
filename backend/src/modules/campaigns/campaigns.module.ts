import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ProcessRole } from '../../platform/process/process-role.js';
import { SegmentsModule } from '../segments/index.js';
import { CampaignAudience } from './campaign-audience.service.js';
import { CampaignChecks } from './campaign-checks.service.js';
import { CampaignReports } from './campaign-reports.service.js';
import { CampaignSender } from './campaign-sender.service.js';
import { CampaignSweeperService } from './campaign-sweeper.service.js';
import { CampaignRepository } from './campaign.repository.js';
import { CampaignsController } from './campaigns.controller.js';
import { CampaignsService } from './campaigns.service.js';
import { CampaignFanOutProcessor } from './processors/campaign-fan-out.processor.js';

/** Campaigns: approval workflow, pre-send checks, fan-out to the delivery tier, progress and reports. */
@Module({})
export class CampaignsModule {
  static forRoles(roles: ProcessRole[]): DynamicModule {
    const providers: Provider[] = [CampaignRepository, CampaignAudience, CampaignsService, CampaignSender, CampaignChecks, CampaignReports];
    if (roles.includes('worker')) providers.push(CampaignFanOutProcessor);
    if (roles.includes('scheduler')) providers.push(CampaignSweeperService);
    return {
      module: CampaignsModule,
      imports: [SegmentsModule.forRoles(roles)],
      controllers: roles.includes('api') ? [CampaignsController] : [],
      providers,
      exports: [CampaignsService, CampaignReports],
    };
  }
}
