import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, ChainWalk, GENESIS_HASH, PURGE_ACTION, verifyChain } from './audit-chain.js';

function makeChain(n: number, actionOf: (id: number) => string = () => 'auth.login', detailsOf: (id: number) => Record<string, unknown> = () => ({})) {
  const rows = [];
  let prev = GENESIS_HASH;
  for (let id = 1; id <= n; id++) {
    const row = {
      id,
      occurredAt: new Date(Date.UTC(2026, 10, 23, 10, 0, id)),
      actorType: 'user',
      actorId: 'u1',
      action: actionOf(id),
      subjectType: 'user',
      subjectId: 'u1',
      outcome: 'success',
      ip: '127.0.0.1',
      userAgent: 'test',
      details: { n: id, nested: { b: 1, a: 2 }, ...detailsOf(id) },
    };
    const hash = chainHash(prev, row);
    rows.push({ ...row, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit hash chain', () => {
  it('serialises objects canonically whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('accepts an intact chain', () => {
    expect(verifyChain(makeChain(5))).toEqual([]);
  });

  it('names a changed row', () => {
    const rows = makeChain(5);
    rows[2].action = 'auth.logout';
    expect(verifyChain(rows)).toEqual([{ id: 3, kind: 'changed', message: 'row 3 was changed after it was written' }]);
  });

  it('names the row after a removed one', () => {
    const rows = makeChain(5);
    rows.splice(1, 1);
    expect(verifyChain(rows).map((p) => [p.id, p.kind])).toEqual([[3, 'broken_link']]);
  });

  it('detects an inserted row even when its own hash is consistent', () => {
    const rows = makeChain(4);
    const forged = { ...rows[1], id: 99, action: 'phi.exported', prevHash: rows[1].hash };
    forged.hash = chainHash(forged.prevHash, forged);
    rows.splice(2, 0, forged);
    expect(verifyChain(rows).map((p) => [p.id, p.kind])).toEqual([[3, 'broken_link']]);
  });
});

describe('chain walk from an anchor', () => {
  /** Rows 1–3 purged behind an anchor; row 8 is the purge's own `audit.purged` entry naming it. */
  function purged() {
    const full = makeChain(10);
    const anchorHash = full[2].hash.toString('hex');
    const rows = makeChain(
      10,
      (id) => (id === 8 ? PURGE_ACTION : 'auth.login'),
      (id) => (id === 8 ? { throughId: 3, hash: anchorHash } : {}),
    );
    return { anchor: { throughId: 3, hash: rows[2].hash }, rest: rows.slice(3), all: rows };
  }

  it('accepts the rows left after a purge, fed in batches, starting from the anchor', () => {
    const { anchor, rest } = purged();
    const walk = new ChainWalk(anchor);
    walk.add(rest.slice(0, 4));
    walk.add(rest.slice(4));
    expect(walk.finish()).toEqual([]);
    expect(walk.rowsChecked).toBe(7);
    expect(walk.head?.id).toBe(10);
  });

  it('starts from the genesis hash without an anchor, and needs no purge entry', () => {
    const walk = new ChainWalk(null);
    walk.add(makeChain(4));
    expect(walk.finish()).toEqual([]);
  });

  it('names a forged anchor whose hash the first remaining row does not follow', () => {
    const { anchor, rest } = purged();
    const walk = new ChainWalk({ ...anchor, hash: Buffer.alloc(32, 7) });
    walk.add(rest);
    // The first remaining row does not follow it, and the purge entry in the chain names another hash.
    expect(walk.finish().map((p) => [p.id, p.kind])).toEqual([
      [4, 'anchor'],
      [3, 'anchor'],
    ]);
  });

  it('names rows removed right after the anchor, changed or removed later, as before', () => {
    const { anchor, rest } = purged();
    const removedFirst = new ChainWalk(anchor);
    removedFirst.add(rest.slice(1));
    expect(removedFirst.finish().map((p) => [p.id, p.kind])).toEqual([[5, 'anchor']]);

    const tampered = rest.map((r) => ({ ...r }));
    tampered[2].action = 'auth.logout';
    tampered.splice(5, 1);
    const walk = new ChainWalk(anchor);
    walk.add(tampered);
    expect(walk.finish().map((p) => [p.id, p.kind])).toEqual([
      [6, 'changed'],
      [10, 'broken_link'],
    ]);
  });

  it('names rows left at or below the anchor, and an anchor no purge entry records', () => {
    const { anchor, rest } = purged();
    const stray = new ChainWalk(anchor, [2]);
    stray.add(rest);
    expect(stray.finish().map((p) => [p.id, p.kind])).toEqual([[2, 'anchor']]);

    // An anchor inserted by hand where the chain happens to continue: its hash matches, but nothing in the chain wrote it.
    const plain = makeChain(10);
    const forged = new ChainWalk({ throughId: 3, hash: plain[2].hash });
    forged.add(plain.slice(3));
    expect(forged.finish()).toEqual([{ id: 3, kind: 'anchor', message: expect.stringContaining('no audit.purged entry') as string }]);
    expect(forged.finish()).toHaveLength(1);
  });
});
