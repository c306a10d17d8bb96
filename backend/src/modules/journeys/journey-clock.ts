import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';

/**
 * The time journeys run on: wait targets, wake times, quiet hours and entry periods all read it. Tests move it
 * forward to cross a 48-hour wait in a moment; outside NODE_ENV=test it is the system clock and cannot be moved.
 * The offset lives in this process only: other processes keep real time.
 */
@Injectable()
export class JourneyClock {
  private offsetMs = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves this process's journey time by `ms` (tests only). */
  advance(ms: number): Date {
    this.assertTest();
    this.offsetMs += ms;
    return this.now();
  }

  /** Sets this process's journey time to `at` (tests only). */
  set(at: Date): Date {
    this.assertTest();
    this.offsetMs = at.getTime() - Date.now();
    return this.now();
  }

  /** Real milliseconds until journey time reaches `at` (for BullMQ delays, which run on real time). */
  delayUntil(at: Date): number {
    return Math.max(0, at.getTime() - this.now().getTime());
  }

  private assertTest() {
    if (this.config.NODE_ENV !== 'test') throw new Error('the journey clock can only be moved when NODE_ENV=test');
  }
}
