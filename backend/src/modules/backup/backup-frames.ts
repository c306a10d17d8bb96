import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { BackupError, ByteQueue } from './backup-file.js';

/**
 * Inside the encryption, a backup is a sequence of frames: u8 type | u32 length | payload.
 * M manifest (JSON) · T table start (JSON) · D COPY text data · E table end (JSON, row count) · Z end (JSON totals).
 */
export const FrameType = { Manifest: 0x4d, Table: 0x54, Data: 0x44, TableEnd: 0x45, End: 0x5a } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const KNOWN = new Set<number>(Object.values(FrameType));
const MAX_FRAME = 64 << 20;

export interface Frame {
  type: FrameType;
  payload: Buffer;
}

/** Writes frames into a stream, waiting when it asks to (so a slow disk holds the database reads back). */
export class FrameWriter {
  constructor(private readonly out: Writable) {}

  async write(type: FrameType, payload: Buffer): Promise<void> {
    const head = Buffer.alloc(5);
    head.writeUInt8(type, 0);
    head.writeUInt32BE(payload.length, 1);
    const okHead = this.out.write(head);
    const ok = this.out.write(payload);
    if (!ok || !okHead) await once(this.out, 'drain');
  }

  json(type: FrameType, value: unknown): Promise<void> {
    return this.write(type, Buffer.from(JSON.stringify(value)));
  }
}

/** The frames of a decrypted backup, in order. Data frames are yielded as they arrive; nothing is held beyond one frame. */
export async function* readFrames(source: AsyncIterable<Buffer>): AsyncGenerator<Frame> {
  const queue = new ByteQueue();
  let need: { type: FrameType; length: number } | null = null;
  for await (const chunk of source) {
    queue.push(chunk);
    for (;;) {
      if (!need) {
        if (queue.length < 5) break;
        const head = queue.take(5);
        const type = head.readUInt8(0);
        const length = head.readUInt32BE(1);
        if (!KNOWN.has(type) || length > MAX_FRAME) throw new BackupError('damaged', 'backup content is not in the expected layout');
        need = { type: type as FrameType, length };
      }
      if (queue.length < need.length) break;
      const payload = need.length ? queue.take(need.length) : Buffer.alloc(0);
      yield { type: need.type, payload };
      need = null;
    }
  }
  if (need || queue.length) throw new BackupError('truncated', 'backup content ends in the middle of a frame');
}

/** A JSON frame's value; the caller checks its shape. */
export function parseJson(frame: Frame): unknown {
  try {
    return JSON.parse(frame.payload.toString('utf8'));
  } catch {
    throw new BackupError('damaged', 'backup content is not in the expected layout');
  }
}
