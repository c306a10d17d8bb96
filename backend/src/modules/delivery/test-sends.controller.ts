import { Body, Controller, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, Permission, RequirePermission } from '../../platform/http/index.js';
import { actorOf } from '../audit/index.js';
import { TestSendDto } from './dto/test-send.dto.js';
import { TestSendsService } from './test-sends.service.js';

/** Lives with delivery (it enqueues deliveries) under the templates' path, where the editor calls it. */
@ApiTags('templates')
@Controller('api/v1/templates')
export class TestSendsController {
  constructor(private readonly testSends: TestSendsService) {}

  /** Sends a published version to up to 10 seed addresses, rendered with the sample patient; answers the delivery ids. */
  @RequirePermission(Permission.TemplatesManage)
  @Post(':id/versions/:version/test-send')
  send(@Param('id', ParseIntPipe) id: number, @Param('version', ParseIntPipe) version: number, @Body() body: TestSendDto, @Auth() auth: AuthContext) {
    return this.testSends.send(id, version, body.addresses, actorOf(auth));
  }
}
