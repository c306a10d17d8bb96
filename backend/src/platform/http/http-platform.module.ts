import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from './rate-limit.js';

/** Global HTTP guards that run before authentication (registered first, so they run first). */
@Module({ providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }] })
export class HttpPlatformModule {}
