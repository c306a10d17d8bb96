/** MLLP (HL7 minimal lower layer protocol): <VT> message <FS><CR>. */
export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

export type MllpFrame =
  | { kind: 'message'; payload: Buffer }
  /** A frame cut short: a new start block arrived before the end block, or it grew past the size limit. */
  | { kind: 'truncated'; payload: Buffer; reason: 'start_block_inside_frame' | 'frame_too_large' };

/** Wraps one message in an MLLP frame. */
export function frame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}

/**
 * Cuts a TCP byte stream into MLLP frames, across chunk boundaries. Bytes outside a frame are counted and dropped
 * (line noise, keep-alives); a frame interrupted by a new start block is reported as truncated.
 */
export class MllpFramer {
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  private tooLarge = false;
  /** The CR after an end block (it may arrive in the next chunk). */
  private expectCr = false;
  /** Bytes received outside any frame. */
  stray = 0;

  constructor(private readonly maxBytes = 1024 * 1024) {}

  push(chunk: Buffer): MllpFrame[] {
    const frames: MllpFrame[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (!this.inFrame) {
        if (this.expectCr && byte === CR) {
          this.expectCr = false;
          continue;
        }
        this.expectCr = false;
        if (byte === VT) {
          this.inFrame = true;
          start = i + 1;
        } else this.stray++;
        continue;
      }
      if (byte === VT) {
        this.append(chunk.subarray(start, i));
        frames.push({ kind: 'truncated', payload: this.take(), reason: 'start_block_inside_frame' });
        this.inFrame = true;
        start = i + 1;
      } else if (byte === FS && (i + 1 >= chunk.length || chunk[i + 1] === CR)) {
        this.append(chunk.subarray(start, i));
        const payload = this.take();
        frames.push(this.tooLarge ? { kind: 'truncated', payload, reason: 'frame_too_large' } : { kind: 'message', payload });
        this.tooLarge = false;
        this.inFrame = false;
        this.expectCr = true;
      }
    }
    if (this.inFrame) this.append(chunk.subarray(start));
    return frames;
  }

  /** What was left in an open frame when the connection ended (empty when none). */
  end(): Buffer {
    const rest = this.inFrame ? this.take() : Buffer.alloc(0);
    this.inFrame = false;
    return rest;
  }

  private append(part: Buffer) {
    if (part.length === 0) return;
    if (this.size + part.length > this.maxBytes) {
      this.tooLarge = true;
      // Keep the head (MSH) so the sender can still be answered; drop the rest.
      const room = Math.max(0, 4096 - this.size);
      if (room > 0) this.parts.push(Buffer.from(part.subarray(0, room)));
      this.size += part.length;
      return;
    }
    this.parts.push(Buffer.from(part));
    this.size += part.length;
  }

  private take(): Buffer {
    const out = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    return out;
  }
}
