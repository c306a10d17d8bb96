import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, GENESIS_HASH, verifyChain } from './audit-chain.js';

function makeChain(n: number) {
  const rows = [];
  let prev = GENESIS_HASH;
  for (let id = 1; id <= n; id++) {
    const row = {
      id,
      occurredAt: new Date(Date.UTC(2026, 10, 23, 10, 0, id)),
      actorType: 'user',
      actorId: 'u1',
      action: 'auth.login',
      subjectType: 'user',
      subjectId: 'u1',
      outcome: 'success',
      ip: '127.0.0.1',
      userAgent: 'test',
      details: { n: id, nested: { b: 1, a: 2 } },
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
