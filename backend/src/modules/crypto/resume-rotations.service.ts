import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { KeyRotationService } from './key-rotation.service.js';

/** On scheduler start, rotations left running are queued again, so a lost job never strands one. */
@Injectable()
export class ResumeRotationsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ResumeRotationsService.name);

  constructor(private readonly rotation: KeyRotationService) {}

  async onApplicationBootstrap() {
    const resumed = await this.rotation.resumeRunning();
    if (resumed) this.logger.log({ resumed }, 'key rotations resumed');
  }
}
