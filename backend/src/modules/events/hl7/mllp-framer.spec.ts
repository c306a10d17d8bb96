import { describe, expect, it } from 'vitest';
import { CR, FS, frame, MllpFramer, VT } from './mllp-framer.js';

describe('MLLP framing', () => {
  it('cuts frames across chunk boundaries, several per chunk, and skips stray bytes', () => {
    const framer = new MllpFramer();
    const stream = Buffer.concat([Buffer.from('noise'), frame('MSH|one'), frame('MSH|two'), frame('MSH|three')]);
    const out = [];
    for (let i = 0; i < stream.length; i += 3) out.push(...framer.push(stream.subarray(i, i + 3)));
    expect(out.map((f) => [f.kind, f.payload.toString()])).toEqual([
      ['message', 'MSH|one'],
      ['message', 'MSH|two'],
      ['message', 'MSH|three'],
    ]);
    expect(framer.stray).toBe(5);
  });

  it('reports a frame cut by a new start block as truncated, and what is left at the end of the connection', () => {
    const framer = new MllpFramer();
    const out = framer.push(Buffer.concat([Buffer.from([VT]), Buffer.from('MSH|cut'), frame('MSH|whole'), Buffer.from([VT]), Buffer.from('MSH|open')]));
    expect(out.map((f) => [f.kind, f.payload.toString()])).toEqual([
      ['truncated', 'MSH|cut'],
      ['message', 'MSH|whole'],
    ]);
    expect(framer.end().toString()).toBe('MSH|open');
    expect(framer.end().length).toBe(0);
  });

  it('marks frames over the size limit as truncated, keeping only their head', () => {
    const framer = new MllpFramer(10_000);
    const big = Buffer.alloc(20_000, 'A');
    const out = framer.push(Buffer.concat([Buffer.from([VT]), big, Buffer.from([FS, CR])]));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'truncated', reason: 'frame_too_large' });
    expect(out[0].payload.length).toBeLessThanOrEqual(10_000);
  });
});
