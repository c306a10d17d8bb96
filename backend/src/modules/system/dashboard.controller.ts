import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Permission, RequirePermission } from '../../platform/http/index.js';
import { DashboardService } from './dashboard.service.js';

@ApiTags('dashboard')
@Controller('api/v1/dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @RequirePermission(Permission.DashboardRead)
  @Get()
  summary() {
    return this.dashboard.summary();
  }
}
