import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import { InboundService } from '../inbound/inbound.service.js';
import { frame, MllpFramer } from './mllp-framer.js';

const MAX_FRAME_BYTES = 1024 * 1024;
const IDLE_MS = 5 * 60_000;

/** What the listener has seen since it started (per process). */
export interface MllpCounters {
  connections: number;
  messages: number;
  accepted: number;
  errors: number;
  rejected: number;
  truncated: number;
}

/**
 * The HL7 v2 MLLP listener (worker processes, HL7_MLLP_PORT; 0 = off). Each frame is answered with an
 * original-mode ACK, in order per connection: AA once the message is applied and recorded, AE (application error:
 * missing segment or field, unmappable and kept as a dead letter) or AR (rejected: unreadable, unsupported type,
 * version or processing id). A failure to store anything closes the connection without an ACK, so the sender retries.
 * Logs carry counts and codes only.
 */
@Injectable()
export class MllpListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MllpListener.name);
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private port: number | null = null;
  readonly counters: MllpCounters = { connections: 0, messages: 0, accepted: 0, errors: 0, rejected: 0, truncated: 0 };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly inbound: InboundService,
  ) {}

  get address(): { host: string; port: number } | null {
    return this.port === null ? null : { host: this.config.HL7_MLLP_HOST, port: this.port };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.HL7_MLLP_PORT) return;
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.HL7_MLLP_PORT, this.config.HL7_MLLP_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.logger.log({ host: this.config.HL7_MLLP_HOST, port: this.port }, 'HL7 MLLP listener listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.port = null;
    if (!server) return;
    for (const s of this.sockets) s.end();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
        resolve();
      }, 2000).unref();
    });
  }

  private accept(socket: Socket) {
    this.counters.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_MS, () => socket.end());
    const framer = new MllpFramer(MAX_FRAME_BYTES);
    // Answers go out in the order the frames came in.
    let chain: Promise<void> = Promise.resolve();
    const send = (ack: string | null) => {
      if (ack !== null && !socket.destroyed) socket.write(frame(ack));
    };
    socket.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        this.counters.messages++;
        if (f.kind === 'truncated') {
          this.counters.truncated++;
          const reason =
            f.reason === 'frame_too_large' ? `frame larger than ${MAX_FRAME_BYTES} bytes` : 'frame truncated: a new start block came before the end block';
          const answer = this.inbound.truncatedHl7(f.payload, reason);
          chain = chain
            .then(async () => send(await answer))
            .catch(() => {
              socket.destroy();
            });
          continue;
        }
        const answer = this.inbound.receiveHl7(f.payload, 'hl7-mllp');
        chain = chain
          .then(async () => {
            const { code, ack } = await answer;
            if (code === 'AA') this.counters.accepted++;
            else if (code === 'AE') this.counters.errors++;
            else this.counters.rejected++;
            send(ack);
          })
          .catch((err: unknown) => {
            this.logger.warn({ code: (err as { code?: string }).code, name: (err as Error).name }, 'HL7 message not stored: connection closed without ACK');
            socket.destroy();
          });
      }
    });
    socket.on('end', () => {
      const rest = framer.end();
      if (rest.length) {
        this.counters.truncated++;
        chain = chain
          .then(() => this.inbound.truncatedHl7(rest, 'connection closed inside a frame (no end block)').then(() => undefined))
          .catch(() => undefined);
      }
      void chain.finally(() => socket.end());
    });
    socket.on('error', (err: Error & { code?: string }) => this.logger.debug({ code: err.code ?? err.name }, 'MLLP connection error'));
    socket.on('close', () => this.sockets.delete(socket));
  }
}
